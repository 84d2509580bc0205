// Trace lookups at scale (docs/traces.md, "Query cost"; BENCHMARKS.md, "Trace lookups").
//
// Seeds BENCH_TRACE_EVENTS events (default 1,000,000; the figure is 10,000,000)
// into a DEDICATED database, signalbox_bench_trace_<events>, kept between runs: seeding
// 10M takes a long while on a small machine, so a later run with the same size reuses it
// (pending migrations are applied, e.g. a new index). BENCH_TRACE_FRESH=1 drops and
// reseeds it; BENCH_TRACE_DROP=1 drops it at the end.
//
// The seed is set-based (generate_series, in chunks): the big tables' indexes are dropped
// first and rebuilt after (bulk builds), the tables are UNLOGGED (no WAL for 50M rows on a
// shared server; reads are the same), then VACUUM ANALYZE. Flows of 4 events whose events
// are interleaved with 999 other flows' (one flow's rows are ~1,000 log positions apart,
// as in a busy log, not on one heap page); 3 consumers' attempts per published event
// (every 50th a retry), their inbox rows, a dead letter for every 10th event (a third
// open; the rest resolved by a replay job, recorded in dlq_messages.replays), 3,000 lag
// samples per demo group, 20,000 jobs.
//
// Then BENCH_TRACE_RUNS (default 300) lookups of random flows, cycling through the id
// kinds (trace id, order id, event id, correlation id, traceparent, DLQ row id), after
// 10 warm-ups:
//   query_* — the header search's read (findFlows: one statement);
//   api_*   — the read behind GET /api/traces/:traceId (getTraceView: one statement +
//             building the timeline + JSON serialisation), in process: HTTP, the session
//             and the role check are not included.
// Then 100 more lookups whose statements are EXPLAIN ANALYZEd: the database's own time
// (planning + execution), apart from the client's and the scheduler's.
// BENCH_TRACE_EXPLAIN=1 prints EXPLAIN (ANALYZE, BUFFERS) of both statements for one flow.
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createDb, type Db } from '../lib/adapters/prisma/client';
import { applyMigrations } from '../lib/tooling/schema-engine';
import { findFlows } from '../lib/read/find-flows';
import { getTraceView } from '../lib/read/get-trace-timeline';
import { createTestDatabase } from '../tests/support/database';
import { percentile, round, urlOf, withClient, log } from './support';

const EVENTS = Number(process.env.BENCH_TRACE_EVENTS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_TRACE_RUNS ?? 300);
const SERVER_RUNS = 100;
/** Flows interleaved in the log: one flow's 4 events are WINDOW positions apart. */
const WINDOW = 1000;
const CHUNK = 400_000; // events per INSERT statement (a multiple of 4 × WINDOW)
const BIG_TABLES = ['outbox_events', 'consumer_attempts', 'consumer_inbox', 'dlq_messages', 'lag_samples', 'background_jobs'];
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

if (!Number.isInteger(EVENTS) || EVENTS < 4 * WINDOW || EVENTS % (4 * WINDOW) !== 0) {
  console.error(`BENCH_TRACE_EVENTS must be a multiple of ${4 * WINDOW}`);
  process.exit(64);
}

const name = `signalbox_bench_trace_${EVENTS}`;
const seededMark = `seeded ${EVENTS} events (window ${WINDOW}) v2`;



/** The dedicated database, seeded: reused when it already holds this size's seed. */
async function benchDatabase(): Promise<string> {
  const adminUrl = await urlOf('postgres');
  const comment = await withClient(adminUrl, async (admin) => {
    if (process.env.BENCH_TRACE_FRESH === '1') await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    const { rows } = await admin.query<{ comment: string | null }>(`SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`, [name]);
    return rows[0] ? (rows[0].comment ?? '') : null;
  });
  const url = await urlOf(name);
  if (comment === seededMark) {
    const applied = await applyMigrations({ url, schemaPath: path.join(root, 'prisma', 'schema.prisma'), migrationsDir: path.join(root, 'prisma', 'migrations') });
    if (applied.length) {
      log(`reusing ${name}; applied ${applied.join(', ')}`);
      await withClient(url, (c) => c.query(`ANALYZE`));
    } else log(`reusing ${name} (already seeded)`);
    return url;
  }
  // Half-seeded (a run was stopped) or absent: start over from a migrated copy of the test template.
  await withClient(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  const fresh = await createTestDatabase('bench_trace_seed');
  const freshName = new URL(fresh.url).pathname.slice(1);
  await withClient(adminUrl, (admin) => admin.query(`ALTER DATABASE ${freshName} RENAME TO ${name}`));
  const t0 = performance.now();
  await withClient(url, seed);
  await withClient(adminUrl, (admin) => admin.query(`COMMENT ON DATABASE ${name} IS '${seededMark}'`));
  log(`seeded ${EVENTS} events in ${round((performance.now() - t0) / 1000)} s`);
  return url;
}

async function seed(c: pg.Client): Promise<void> {
  await c.query(`SET maintenance_work_mem = '512MB'`);
  await c.query(`SET synchronous_commit = off`);
  for (const t of BIG_TABLES) await c.query(`ALTER TABLE ${t} SET UNLOGGED`);
  // Drop every index and key of the big tables; rebuilt after the load (bulk builds are far cheaper than row-by-row inserts).
  const { rows: constraints } = await c.query<{ tbl: string; name: string; def: string }>(
    `SELECT conrelid::regclass::text AS tbl, conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint
     WHERE conrelid = ANY($1::regclass[]) AND contype IN ('p', 'u')`,
    [BIG_TABLES],
  );
  const { rows: indexes } = await c.query<{ name: string; def: string }>(
    `SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ANY($1)
     AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))`,
    [BIG_TABLES],
  );
  for (const i of indexes) await c.query(`DROP INDEX ${i.name}`);
  for (const k of constraints) await c.query(`ALTER TABLE ${k.tbl} DROP CONSTRAINT ${k.name}`);
  // The DLQ's cause counts are kept by row triggers (three upserts per row on the same hot
  // rows): off during the load, the counts written once from the loaded rows afterwards.
  // Every seeded dead letter has the same error, so the same cause key, computed once.
  const [{ key: causeKey }] = (await c.query<{ key: string }>(`SELECT signalbox_dlq_cause_key('AppError', 'seeded', NULL) AS key`)).rows as [{ key: string }];
  await c.query(`ALTER TABLE dlq_messages DISABLE TRIGGER USER`);

  // Event i: block b = i / (4W), r = i % (4W), step k = r / W, flow f = b·W + r % W; its cause is event i − W.
  const ev = (i: string) => `(${i} / ${4 * WINDOW}) * ${WINDOW} + (${i} % ${WINDOW})`; // flow of event i
  for (let from = 0; from < EVENTS; from += CHUNK) {
    const to = Math.min(EVENTS, from + CHUNK) - 1;
    const series = `generate_series(${from}, ${to}) AS i`;
    const at = `now() - make_interval(secs => ${EVENTS} - i)`;
    const published = `i < ${EVENTS} - 2`;
    await c.query(`
      INSERT INTO outbox_events (position, event_id, type, version, source, subject, lane, trace_id, traceparent, causation_id, correlation_id, topic, envelope,
                                 occurred_at, created_at, published_at, partition, "offset")
      SELECT i + 1, md5('e' || i)::uuid, (ARRAY['orders.OrderPlaced','payments.PaymentAuthorized','shipping.ShipmentDispatched','shipping.ShipmentDelivered'])[(i % ${4 * WINDOW}) / ${WINDOW} + 1], 1,
             '/seed', md5('s' || f)::uuid::text, f % 64, md5('t' || f), '00-' || md5('t' || f) || '-00f067aa0ba902b7-01',
             CASE WHEN (i % ${4 * WINDOW}) < ${WINDOW} THEN NULL ELSE md5('e' || (i - ${WINDOW}))::uuid END, md5('c' || f)::uuid, 'orders.lifecycle.v1',
             jsonb_build_object('subject', md5('s' || f)::uuid::text, 'data', jsonb_build_object('orderId', md5('s' || f)::uuid::text, 'customerId', 'c-' || f % 97)),
             ${at}, ${at}, CASE WHEN ${published} THEN ${at} + interval '5 ms' END, i % 6, i
      FROM ${series} CROSS JOIN LATERAL (SELECT ${ev('i')} AS f) x`);
    await c.query(`
      INSERT INTO consumer_attempts (consumer, event_id, trace_id, topic, partition, "offset", attempt, outcome, duration_ms, error_class, at)
      SELECT c, md5('e' || i)::uuid, md5('t' || ${ev('i')}), 'orders.lifecycle.v1', i % 6, i, 1, CASE WHEN i % 50 = 0 THEN 'retry'::"AttemptOutcome" ELSE 'ok' END, 3,
             CASE WHEN i % 50 = 0 THEN 'AppError' END, ${at} + interval '9 ms'
      FROM ${series} CROSS JOIN unnest(ARRAY['payments', 'shipping', 'notifications']) AS c WHERE ${published}`);
    await c.query(`
      INSERT INTO consumer_inbox (consumer, event_id, topic, partition, "offset")
      SELECT c, md5('e' || i)::uuid, 'orders.lifecycle.v1', i % 6, i
      FROM ${series} CROSS JOIN unnest(ARRAY['payments', 'shipping', 'notifications']) AS c WHERE ${published} AND i % 50 <> 0`);
    await c.query(`
      INSERT INTO dlq_messages (id, consumer, topic, partition, "offset", payload, payload_size, event_id, event_type, subject, trace_id, error_class, error_code,
                                error_message, fingerprint, attempt_count, first_failed_at, last_failed_at, status, replays, cause_key)
      SELECT md5('d' || i)::uuid, 'shipping', 'orders.lifecycle.v1', i % 6, i, '\\x7b7d'::bytea, 2, md5('e' || i)::uuid, 'orders.OrderPlaced', md5('s' || f)::uuid::text,
             md5('t' || f), 'AppError', 'not_found', 'seeded', 'f' || i % 7, 1, ${at}, ${at},
             CASE WHEN i % 30 = 0 THEN 'open'::"DlqStatus" ELSE 'resolved' END,
             CASE WHEN i % 30 = 0 THEN '[]'::jsonb ELSE jsonb_build_array(jsonb_build_object('jobId', md5('j' || (i / 10) % 20000)::uuid::text, 'at', ${at} + interval '1 min', 'by', 'seed')) END,
             '${causeKey}'
      FROM ${series} CROSS JOIN LATERAL (SELECT ${ev('i')} AS f) x WHERE i % 10 = 0`);
    log(`  ${to + 1} / ${EVENTS} events`);
  }
  await c.query(`SELECT setval(pg_get_serial_sequence('outbox_events', 'position'), ${EVENTS})`);
  await c.query(`
    INSERT INTO lag_samples (at, group_id, state, members, status, evidence, no_commit_partitions, data_loss_partitions, seconds_behind)
    SELECT now() - make_interval(secs => s * 10), 'signalbox.' || g, 'Stable', 1, 'OK', 'seed', 0, 0, s % 5
    FROM generate_series(0, 3000) AS s CROSS JOIN unnest(ARRAY['payments', 'shipping', 'notifications', 'order-saga', 'order-summary', 'customer-stats']) AS g`);
  await c.query(`
    INSERT INTO background_jobs (id, kind, scope, state, created_at, finished_at)
    SELECT md5('j' || n)::uuid, 'dlq.replay', 'seed:' || n, 'succeeded', now() - make_interval(secs => n), now() - make_interval(secs => n) + interval '2 s' FROM generate_series(0, 19999) AS n`);
  await c.query(`
    INSERT INTO dlq_causes (cause_key, error_class, message, frame, first_seen_at, last_seen_at, open_count, total_count, event_types)
    SELECT cause_key, 'AppError', signalbox_dlq_normalise('seeded'), signalbox_dlq_frame(NULL), min(first_failed_at), max(last_failed_at),
           count(*) FILTER (WHERE status IN ('open', 'replaying')), count(*), ARRAY['orders.OrderPlaced']
    FROM dlq_messages GROUP BY cause_key`);
  await c.query(`
    INSERT INTO dlq_cause_consumers (cause_key, consumer, open_count, total_count, last_seen_at)
    SELECT cause_key, consumer, count(*) FILTER (WHERE status IN ('open', 'replaying')), count(*), max(last_failed_at) FROM dlq_messages GROUP BY cause_key, consumer`);
  await c.query(`INSERT INTO dlq_cause_hours (cause_key, hour, failures) SELECT cause_key, date_trunc('hour', last_failed_at), count(*) FROM dlq_messages GROUP BY 1, 2`);
  await c.query(`ALTER TABLE dlq_messages ENABLE TRIGGER USER`);
  log('  rows loaded; rebuilding keys and indexes');
  for (const k of constraints) await c.query(`ALTER TABLE ${k.tbl} ADD CONSTRAINT ${k.name} ${k.def}`);
  for (const i of indexes) await c.query(i.def);
  log('  VACUUM ANALYZE');
  for (const t of BIG_TABLES) await c.query(`VACUUM (ANALYZE) ${t}`);
}

/** The db the reads get, recording every raw statement with its parameters. */
function recording(target: Db, statements: Array<{ sql: string; params: unknown[] }>): Db {
  return new Proxy(target, {
    get(t, prop, receiver) {
      if (prop !== '$queryRawUnsafe') return Reflect.get(t, prop, receiver);
      return (sql: string, ...params: unknown[]) => {
        statements.push({ sql, params });
        return t.$queryRawUnsafe(sql, ...params);
      };
    },
  });
}

async function explain(db: Db, url: string, traceId: string, subject: string): Promise<void> {
  // The statements as the reads send them, captured from one lookup, then EXPLAIN ANALYZEd with their parameters.
  const statements: Array<{ sql: string; params: unknown[] }> = [];
  const rec = recording(db, statements);
  await findFlows(rec, subject);
  await getTraceView(rec, { groupPrefix: 'signalbox' }, traceId);
  await withClient(url, async (c) => {
    for (const s of statements) {
      const { rows } = await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${s.sql}`, s.params);
      console.log(`--- ${s.sql.trim().split('\n')[0]!.slice(0, 100)}…\n${rows.map((r) => r['QUERY PLAN']).join('\n')}`);
    }
  });
  console.log(`round trips: ${statements.length} (search ${statements.length - 1}, timeline 1)`);
}

const load0 = loadavg();
const url = await benchDatabase();
const db = createDb(url, { poolSize: 4 });
try {
  // Ids are picked on a connection of their own, so the reads' connections do only the reads.
  const picker = new pg.Client({ connectionString: url });
  await picker.connect();
  const pick = async () => {
    const position = 1 + Math.floor(Math.random() * (EVENTS - 8));
    const { rows } = await picker.query<Record<string, string>>(
      `SELECT trace_id, subject, event_id::text, correlation_id::text, (SELECT id::text FROM dlq_messages d WHERE d.trace_id = o.trace_id LIMIT 1) AS dlq_id
       FROM outbox_events o WHERE position = $1`,
      [position],
    );
    return rows[0]!;
  };
  // CPU time (user + system) of the reads: this process's, and the PostgreSQL backends' serving
  // its pool (from /proc, same machine). Unlike latencies, not inflated by waiting for a core.
  const pickerPid = (await picker.query<{ pid: number }>(`SELECT pg_backend_pid() AS pid`)).rows[0]!.pid;
  const backendCpuMs = async () => {
    const { rows } = await picker.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> $1 AND backend_type = 'client backend'`, [pickerPid]);
    let ticks = 0;
    for (const { pid } of rows) {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
      if (!stat) return NaN; // PostgreSQL on another host: not measurable
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    }
    return ticks * 10; // USER_HZ = 100
  };
  let cpu0 = { db: 0, node: process.cpuUsage() };
  if (process.env.BENCH_TRACE_EXPLAIN === '1') {
    const row = await pick();
    await explain(db, url, row.trace_id!, row.subject!);
  }
  const kinds = ['trace_id', 'subject', 'event_id', 'correlation_id', 'traceparent', 'dlq_id'] as const;
  const query: number[] = [];
  const api: number[] = [];
  const total: number[] = [];
  const loadStart = loadavg();
  for (let i = 0; i < RUNS + 10; i++) {
    const row = await pick();
    const kind = kinds[i % kinds.length]!;
    const q = kind === 'traceparent' ? `00-${row.trace_id}-00f067aa0ba902b7-01` : (row[kind] ?? row.event_id!);
    const a = performance.now();
    const found = await findFlows(db, q);
    const b = performance.now();
    if (found.flows[0]?.traceId !== row.trace_id) throw new Error(`lookup of ${kind} ${q} found ${JSON.stringify(found.flows.map((f) => f.traceId))}, expected ${row.trace_id}`);
    const view = await getTraceView(db, { groupPrefix: 'signalbox' }, found.flows[0]!.traceId);
    JSON.stringify(view);
    const c = performance.now();
    if (view.summary.events !== 4) throw new Error(`flow ${row.trace_id} has ${view.summary.events} events, expected 4`);
    if (i === 9) cpu0 = { db: await backendCpuMs(), node: process.cpuUsage() };
    if (i < 10) continue; // warm-up
    query.push(b - a);
    api.push(c - b);
    total.push(c - a);
  }
  const loadEnd = loadavg();
  const cpu = { db: ((await backendCpuMs()) - cpu0.db) / RUNS, node: (() => { const u = process.cpuUsage(cpu0.node); return (u.user + u.system) / 1000 / RUNS; })() };
  // What the database itself spends (planning + execution, from EXPLAIN ANALYZE of the very
  // statements the reads send), for SERVER_RUNS more lookups: tells the server's share of the
  // latencies above from the client's and the scheduler's (waiting for one of 2 shared cores).
  const server = { search: [] as number[], timeline: [] as number[] };
  await withClient(url, async (c) => {
    for (let i = 0; i < SERVER_RUNS; i++) {
      const row = await pick();
      const statements: Array<{ sql: string; params: unknown[] }> = [];
      const rec = recording(db, statements);
      const found = await findFlows(rec, row[kinds[i % kinds.length]!] ?? row.event_id!);
      await getTraceView(rec, { groupPrefix: 'signalbox' }, found.flows[0]!.traceId);
      for (const [j, st] of statements.entries()) {
        const { rows } = await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, SUMMARY, TIMING OFF) ${st.sql}`, st.params);
        const text = rows.map((r) => r['QUERY PLAN']).join('\n');
        const ms = Number(/Planning Time: ([\d.]+)/.exec(text)?.[1]) + Number(/Execution Time: ([\d.]+)/.exec(text)?.[1]);
        (j === 0 ? server.search : server.timeline).push(ms);
      }
    }
  });
  for (const xs of [server.search, server.timeline]) xs.sort((x, y) => x - y);
  for (const xs of [query, api, total]) xs.sort((x, y) => x - y);
  const result = {
    bench: 'trace',
    events: EVENTS,
    query_p50_ms: round(percentile(query, 50), 2),
    query_p99_ms: round(percentile(query, 99), 2),
    api_p95_ms: round(percentile(api, 95), 2),
  };
  console.log(`load average: ${load0.map((x) => round(x, 1)).join(' ')} before seeding/reuse, ${loadStart.map((x) => round(x, 1)).join(' ')} at the first lookup, ${loadEnd.map((x) => round(x, 1)).join(' ')} at the last`);
  console.log(`search (findFlows, 1 statement): p50 ${result.query_p50_ms} ms, p95 ${round(percentile(query, 95), 2)} ms, p99 ${result.query_p99_ms} ms, max ${round(query.at(-1)!, 2)} ms`);
  console.log(`timeline read (getTraceView, 1 statement): p50 ${round(percentile(api, 50), 2)} ms, p95 ${result.api_p95_ms} ms, p99 ${round(percentile(api, 99), 2)} ms`);
  console.log(
    `in the database (planning + execution, EXPLAIN ANALYZE, ${SERVER_RUNS} lookups): search p50 ${round(percentile(server.search, 50), 2)} ms, p99 ${round(percentile(server.search, 99), 2)} ms; ` +
      `timeline p50 ${round(percentile(server.timeline, 50), 2)} ms, p95 ${round(percentile(server.timeline, 95), 2)} ms, p99 ${round(percentile(server.timeline, 99), 2)} ms`,
  );
  console.log(`CPU per lookup (search + timeline, averaged over ${RUNS}): PostgreSQL backends ${round(cpu.db, 2)} ms, this process (Prisma, building, JSON) ${round(cpu.node, 2)} ms`);
  console.log(`paste → timeline data (both): p50 ${round(percentile(total, 50), 2)} ms, p95 ${round(percentile(total, 95), 2)} ms, over ${RUNS} lookups`);
  console.log(JSON.stringify(result));
  await picker.end();
} finally {
  await db.$disconnect();
  if (process.env.BENCH_TRACE_DROP === '1') await withClient(await urlOf('postgres'), (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}
