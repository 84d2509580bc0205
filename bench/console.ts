// Console reads at scale (issue 7: "with 10M events in the outbox and 1,000 groups
// sampled, Overview and Consumers server time p95 ≤ 200 ms"; BENCHMARKS.md, "Console").
//
// Seeds a DEDICATED database, signalbox_bench_console_<events>, kept between runs (seeding
// 10M rows takes minutes on a small machine; a later run of the same size reuses it and
// applies pending migrations). BENCH_CONSOLE_FRESH=1 reseeds, BENCH_CONSOLE_DROP=1 drops it
// at the end. Set-based seed (generate_series in chunks; the big tables' indexes and keys
// dropped first and rebuilt in bulk after; the tables UNLOGGED: no WAL for the load on a
// shared server, reads are the same), then VACUUM ANALYZE:
// - outbox_events: BENCH_CONSOLE_EVENTS (default 10,000,000), one every 50 ms up to the seed
//   time T (≈ 5.8 days at 20 events/s) over 200 topics × 12 partitions; the last 200 not
//   yet published. Envelopes are small (~120 B; no read here touches them).
// - consumer_attempts: 3 consumers' attempts of the last 2 h of events (every 50th a
//   retry, every 1,000th dead-lettered); older attempts would be pruned by maintenance
//   and no read here goes further back than 15 min.
// - dlq_messages: every 1,000th event (one in three still open).
// - lag_samples: 1,000 groups (5 per topic) sampled every 10 s for 24 h (the raw
//   retention; BENCH_CONSOLE_SAMPLE_HOURS): 8,640,000 rows; statuses mixed (OK, WARN,
//   STALL, STOP, REWIND, ERR); the per-partition tuples (12 per group, ~800 B of JSON) in
//   the last hour's rows, '[]' in older ones (to keep the seed's size and time down; no
//   read here touches an older row).
// - lag_rollups_1m: 1,000 groups × 7 days of minutes (the rollup retention;
//   BENCH_CONSOLE_ROLLUP_DAYS): 10,080,000 rows.
// - outbox_samples every 10 s for 24 h; fresh sampler and relay heartbeats.
//
// Then BENCH_CONSOLE_RUNS (default 100, after 5 warm-ups) rounds, each timing, in process
// (no HTTP, session or role check), with the clock 2 s after the latest tick (T, or the
// last catch-up of an HTTP run):
//   overview  — the reads behind the Overview page's data, run concurrently as the page's
//               requests are: getConsumersOverview, getSystemPulse, listChecks,
//               getDemoKnobs (+ JSON serialisation);
//   consumers — the Consumers page's read, listConsumerGroups with the default query
//               (sorted by seconds behind, 500 groups with sparklines) + JSON;
//   consumers_filtered — the same with ?status=WARN,STALL&sort=-lag.
// p95_ms in the last line is the worse of the overview and consumers p95.
//
// BENCH_CONSOLE_HTTP=1 times HTTP instead against a production server (`next start`,
// needs `npm run build` first; hold /tmp/coord/e2e.lock meanwhile, .next is shared) on
// this database: first the recent data is moved to the real clock as if the sampler and
// the relay had kept running (the latest tick, the last 16 min of rollups, the last 5 min
// of outbox events and samples, 15 min of attempts, copied forward; heartbeats now), then
// BENCH_CONSOLE_RUNS rounds of GET /api/consumers/overview (the Overview's consumer tiles)
// and GET /api/consumers (the Consumers page's data) with an API token (those routes take
// one; the Overview's other requests need a session and are timed in process only).
// BENCH_CONSOLE_EXPLAIN=1 prints EXPLAIN (ANALYZE, BUFFERS) of the lag and outbox statements.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createDb } from '../lib/adapters/prisma/client';
import { newApiToken } from '../lib/adapters/api-token';
import { applyMigrations } from '../lib/tooling/schema-engine';
import { getConsumersOverview } from '../lib/read/get-consumers-overview';
import { listConsumerGroups } from '../lib/read/list-consumer-groups';
import { consumerListQuerySchema } from '../lib/read/consumer-view';
import { getSystemPulse } from '../lib/read/get-system-pulse';
import { listChecks } from '../lib/read/list-checks';
import { getDemoKnobs } from '../lib/read/get-demo-knobs';
import { createTestDatabase } from '../tests/support/database';
import { percentile, round, urlOf, withClient, log } from './support';

const EVENTS = Number(process.env.BENCH_CONSOLE_EVENTS ?? 10_000_000);
const RUNS = Number(process.env.BENCH_CONSOLE_RUNS ?? 100);
const GROUPS = 1_000;
const TOPICS = 200;
const PARTITIONS = 12;
/** Hours of raw lag samples (the sampler keeps 24 h), one tick every 10 s. */
const SAMPLE_HOURS = Number(process.env.BENCH_CONSOLE_SAMPLE_HOURS ?? 24);
const TICKS = Math.round(SAMPLE_HOURS * 360);
/** Days of 1-minute rollups (the sampler keeps 7). */
const ROLLUP_MINUTES = Math.round(Number(process.env.BENCH_CONSOLE_ROLLUP_DAYS ?? 7) * 1440);
const EVENT_MS = 50;
const CHUNK = 1_000_000;
const BIG_TABLES = ['outbox_events', 'consumer_attempts', 'dlq_messages', 'lag_samples', 'lag_rollups_1m', 'outbox_samples'];
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

if (!Number.isInteger(EVENTS) || EVENTS < 10_000) {
  console.error('BENCH_CONSOLE_EVENTS must be an integer ≥ 10,000');
  process.exit(64);
}

const name = `signalbox_bench_console_${EVENTS}_${TICKS}_${ROLLUP_MINUTES}`;
const seededMark = `seeded ${EVENTS} events, ${GROUPS} groups, ${TICKS} ticks, ${ROLLUP_MINUTES} rollup minutes v2`;



/** The dedicated database, seeded; reused when it already holds this size's seed. */
async function benchDatabase(): Promise<string> {
  const adminUrl = await urlOf('postgres');
  const comment = await withClient(adminUrl, async (admin) => {
    if (process.env.BENCH_CONSOLE_FRESH === '1') await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    const { rows } = await admin.query<{ comment: string | null }>(
      `SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`,
      [name],
    );
    return rows[0] ? (rows[0].comment ?? '') : null;
  });
  const url = await urlOf(name);
  if (comment === seededMark) {
    const applied = await applyMigrations({
      url,
      schemaPath: path.join(root, 'prisma', 'schema.prisma'),
      migrationsDir: path.join(root, 'prisma', 'migrations'),
    });
    if (applied.length) {
      log(`reusing ${name}; applied ${applied.join(', ')}`);
      await withClient(url, (c) => c.query(`ANALYZE`));
    } else log(`reusing ${name} (already seeded)`);
    return url;
  }
  await withClient(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  const fresh = await createTestDatabase('bench_console_seed');
  const freshName = new URL(fresh.url).pathname.slice(1);
  await withClient(adminUrl, (admin) => admin.query(`ALTER DATABASE ${freshName} RENAME TO ${name}`));
  const t0 = performance.now();
  await withClient(url, seed);
  await withClient(adminUrl, (admin) => admin.query(`COMMENT ON DATABASE ${name} IS '${seededMark}'`));
  log(`seeded ${EVENTS} events and ${GROUPS * TICKS} lag samples in ${round((performance.now() - t0) / 1000)} s`);
  return url;
}

const topicOf = (n: string) => `'bench.t' || lpad((${n})::text, 3, '0')`;

async function seed(c: pg.Client): Promise<void> {
  await c.query(`SET maintenance_work_mem = '512MB'`);
  await c.query(`SET synchronous_commit = off`);
  await c.query(`CREATE TABLE bench_meta (seeded_at timestamptz NOT NULL)`);
  await c.query(`INSERT INTO bench_meta VALUES (date_trunc('second', now()))`);
  for (const t of BIG_TABLES) await c.query(`ALTER TABLE ${t} SET UNLOGGED`);
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

  const T = `(SELECT seeded_at FROM bench_meta)`;
  const at = (i: string) => `${T} - make_interval(secs => (${EVENTS} - 1 - ${i}) * ${EVENT_MS / 1000})`;
  for (let from = 0; from < EVENTS; from += CHUNK) {
    const to = Math.min(EVENTS, from + CHUNK) - 1;
    await c.query(`
      INSERT INTO outbox_events (position, event_id, type, version, source, subject, lane, trace_id, traceparent, correlation_id, topic, envelope,
                                 occurred_at, created_at, published_at, partition, "offset")
      SELECT i + 1, md5('e' || i)::uuid, 'orders.OrderPlaced', 1, '/seed', md5('s' || i / 4)::uuid::text, i % 64, md5('t' || i / 4),
             '00-' || md5('t' || i / 4) || '-00f067aa0ba902b7-01', md5('c' || i / 4)::uuid, ${topicOf(`i % ${TOPICS}`)},
             jsonb_build_object('subject', md5('s' || i / 4)::uuid::text, 'data', jsonb_build_object('customerId', 'c-' || i % 97)),
             ${at('i')}, ${at('i')}, CASE WHEN i < ${EVENTS - 200} THEN ${at('i')} + interval '5 ms' END,
             CASE WHEN i < ${EVENTS - 200} THEN (i / ${TOPICS}) % ${PARTITIONS} END, CASE WHEN i < ${EVENTS - 200} THEN i / ${TOPICS * PARTITIONS} END
      FROM generate_series(${from}, ${to}) AS i`);
    log(`  outbox ${to + 1} / ${EVENTS}`);
  }
  await c.query(`SELECT setval(pg_get_serial_sequence('outbox_events', 'position'), ${EVENTS})`);
  const recent = Math.min(EVENTS - 200, (2 * 3_600_000) / EVENT_MS);
  await c.query(`
    INSERT INTO consumer_attempts (consumer, event_id, trace_id, topic, partition, "offset", attempt, outcome, duration_ms, error_class, at)
    SELECT c, md5('e' || i)::uuid, md5('t' || i / 4), ${topicOf(`i % ${TOPICS}`)}, (i / ${TOPICS}) % ${PARTITIONS}, i / ${TOPICS * PARTITIONS}, 1,
           CASE WHEN i % 1000 = 0 THEN 'dead_lettered'::"AttemptOutcome" WHEN i % 50 = 0 THEN 'retry' ELSE 'ok' END, 3,
           CASE WHEN i % 50 = 0 THEN 'AppError' END, ${at('i')} + interval '9 ms'
    FROM generate_series(${EVENTS - 200 - recent}, ${EVENTS - 201}) AS i CROSS JOIN unnest(ARRAY['payments', 'shipping', 'notifications']) AS c`);
  log('  attempts');
  await c.query(`
    INSERT INTO dlq_messages (id, consumer, topic, partition, "offset", payload, payload_size, event_id, event_type, subject, trace_id, error_class, error_code,
                              error_message, fingerprint, attempt_count, first_failed_at, last_failed_at, status)
    SELECT md5('d' || i)::uuid, (ARRAY['payments', 'shipping', 'notifications'])[i / 1000 % 3 + 1], ${topicOf(`i % ${TOPICS}`)}, (i / ${TOPICS}) % ${PARTITIONS},
           i / ${TOPICS * PARTITIONS}, '\\x7b7d'::bytea, 2, md5('e' || i)::uuid, 'orders.OrderPlaced', md5('s' || i / 4)::uuid::text, md5('t' || i / 4),
           'AppError', 'not_found', 'seeded', 'f' || i % 7, 1, ${at('i')}, ${at('i')}, CASE WHEN i % 3000 = 0 THEN 'open'::"DlqStatus" ELSE 'resolved' END
    FROM generate_series(0, ${EVENTS - 201}, 1000) AS i`);
  log('  dead letters');
  // Group g reads topic g % 200; its lag follows a slow wave, some groups are unhealthy.
  const status = `(CASE WHEN g % 97 = 0 THEN 'ERR' WHEN g % 41 = 0 THEN 'STOP' WHEN g % 29 = 0 THEN 'STALL' WHEN g % 53 = 0 THEN 'REWIND' WHEN g % 7 = 0 THEN 'WARN' ELSE 'OK' END)`;
  const lag = `(CASE WHEN g % 7 = 0 OR g % 41 = 0 OR g % 29 = 0 THEN 100 + (g * 37 + s) % 5000 ELSE (g + s) % 20 END)`;
  for (let from = 0; from < TICKS; from += 1000) {
    const to = Math.min(TICKS, from + 1000) - 1;
    await c.query(`
      INSERT INTO lag_samples (at, group_id, state, members, status, evidence, lag, replay_lag, no_commit_partitions, data_loss_partitions, seconds_behind,
                               seconds_source, consume_rate, produce_rate, eta_seconds, partitions)
      SELECT ${T} - make_interval(secs => s * 10), 'bench.g' || lpad(g::text, 4, '0'), CASE WHEN g % 41 = 0 THEN 'Empty' ELSE 'Stable' END,
             CASE WHEN g % 41 = 0 THEN 0 ELSE 2 END, ${status},
             CASE ${status} WHEN 'OK' THEN 'OK: lag ' || ${lag} || ' and steady' WHEN 'ERR' THEN 'ERR: metadata unreadable: seeded'
                  ELSE ${status} || ': seeded evidence for group ' || g || ', lag ' || ${lag} END,
             ${lag}, NULL, 0, 0, ${lag} / 20.0, 'outbox', 20.0, 19.5, CASE WHEN g % 7 = 0 THEN NULL ELSE ${lag} / 0.5 END,
             CASE WHEN s < 360 THEN (SELECT jsonb_agg(jsonb_build_array(${topicOf(`g % ${TOPICS}`)}, p, 0, 50000 + s, 50000 + s - ${lag} / 12, 'member-' || g || '-' || p % 2, ${lag} / 20.0))
                                   FROM generate_series(0, ${PARTITIONS - 1}) AS p)
                  ELSE '[]'::jsonb END
      FROM generate_series(${from}, ${to}) AS s CROSS JOIN generate_series(0, ${GROUPS - 1}) AS g`);
    log(`  lag samples: ticks ${to + 1} / ${TICKS}`);
  }
  for (let from = 0; from < ROLLUP_MINUTES; from += 1000) {
    const to = Math.min(ROLLUP_MINUTES, from + 1000) - 1;
    await c.query(`
      INSERT INTO lag_rollups_1m (bucket, group_id, samples, max_lag, avg_lag, max_seconds, worst_status, last_status)
      SELECT date_trunc('minute', ${T}) - make_interval(mins => m), 'bench.g' || lpad(g::text, 4, '0'), 6, ${lag.replaceAll('s)', 'm)')}, ${lag.replaceAll('s)', 'm)')},
             ${lag.replaceAll('s)', 'm)')} / 20.0, ${status}, ${status}
      FROM generate_series(${from}, ${to}) AS m CROSS JOIN generate_series(0, ${GROUPS - 1}) AS g`);
    log(`  rollups: minutes ${to + 1} / ${ROLLUP_MINUTES}`);
  }
  await c.query(`
    INSERT INTO outbox_samples (at, backlog, oldest_unpublished_at, published, relay_rate)
    SELECT ${T} - make_interval(secs => s * 10), 200, ${T} - interval '10 s', 200, 20.0 FROM generate_series(0, ${TICKS - 1}) AS s`);
  await c.query(`
    INSERT INTO process_heartbeats (kind, instance, started_at, last_beat_at, details) VALUES
      ('lag-sampler', 'bench:1', ${T} - interval '1 day', ${T}, '{"role":"active","intervalMs":10000,"groups":${GROUPS}}'),
      ('lag-sampler', 'bench:2', ${T} - interval '1 day', ${T}, '{"role":"standby","intervalMs":10000}'),
      ('outbox-relay', 'bench:1', ${T} - interval '1 day', ${T}, '{"intervalMs":5000}')`);
  log('  rows loaded; rebuilding keys and indexes');
  for (const k of constraints) await c.query(`ALTER TABLE ${k.tbl} ADD CONSTRAINT ${k.name} ${k.def}`);
  for (const i of indexes) await c.query(i.def);
  log('  VACUUM ANALYZE');
  for (const t of BIG_TABLES) await c.query(`VACUUM (ANALYZE) ${t}`);
}

/** Moves the recent data to the real clock, as if the sampler and the relay had kept running since the seed. */
async function catchUp(url: string): Promise<void> {
  await withClient(url, async (c) => {
    await c.query(
      `CREATE TEMP TABLE shift AS SELECT now() - (SELECT max(at) FROM lag_samples) AS d, (SELECT max(at) FROM lag_samples) AS t`,
    );
    const cols = `group_id, state, members, status, evidence, lag, replay_lag, no_commit_partitions, data_loss_partitions, seconds_behind, seconds_source, consume_rate, produce_rate, eta_seconds, partitions`;
    await c.query(`INSERT INTO lag_samples (at, ${cols}) SELECT now(), ${cols} FROM lag_samples WHERE at = (SELECT t FROM shift)`);
    await c.query(`
      INSERT INTO lag_rollups_1m (bucket, group_id, samples, max_lag, avg_lag, max_seconds, worst_status, last_status)
      SELECT bucket + date_trunc('minute', (SELECT d FROM shift) + interval '59 s'), group_id, samples, max_lag, avg_lag, max_seconds, worst_status, last_status
      FROM lag_rollups_1m WHERE bucket >= date_trunc('minute', (SELECT t FROM shift)) - interval '16 min'
      ON CONFLICT (group_id, bucket) DO UPDATE SET max_lag = EXCLUDED.max_lag, samples = EXCLUDED.samples`);
    await c.query(`
      INSERT INTO outbox_events (position, event_id, type, version, source, subject, lane, trace_id, traceparent, correlation_id, topic, envelope, occurred_at, created_at, published_at, partition, "offset")
      SELECT m.p + row_number() OVER (ORDER BY o.position), md5('x' || (m.p + row_number() OVER (ORDER BY o.position)))::uuid, o.type, o.version, o.source, o.subject, o.lane,
             o.trace_id, o.traceparent, o.correlation_id, o.topic, o.envelope, o.occurred_at + s.d, o.created_at + s.d, o.published_at + s.d, o.partition, o."offset" + 1000000
      FROM outbox_events o, shift s, (SELECT max(position) AS p FROM outbox_events) m
      WHERE o.published_at > s.t - interval '5 min' AND o.published_at <= s.t`);
    await c.query(`SELECT setval(pg_get_serial_sequence('outbox_events', 'position'), (SELECT max(position) FROM outbox_events))`);
    await c.query(`
      INSERT INTO consumer_attempts (consumer, event_id, trace_id, topic, partition, "offset", attempt, outcome, duration_ms, error_class, at)
      SELECT consumer, event_id, trace_id, topic, partition, "offset", attempt, outcome, duration_ms, error_class, at + (SELECT d FROM shift)
      FROM consumer_attempts WHERE at > (SELECT t FROM shift) - interval '15 min' AND at <= (SELECT t FROM shift)`);
    await c.query(`
      INSERT INTO outbox_samples (at, backlog, oldest_unpublished_at, published, relay_rate)
      SELECT at + (SELECT d FROM shift), backlog, now() - interval '10 s', published, relay_rate FROM outbox_samples
      WHERE at > (SELECT t FROM shift) - interval '6 min' AND at <= (SELECT t FROM shift) ON CONFLICT DO NOTHING`);
    await c.query(`UPDATE process_heartbeats SET last_beat_at = now()`);
    await c.query(`ANALYZE lag_samples, lag_rollups_1m, outbox_events, consumer_attempts, outbox_samples`);
  });
}

async function httpPhase(url: string): Promise<Record<string, number>> {
  await catchUp(url);
  const { token, hash, prefix } = newApiToken();
  await withClient(url, (c) =>
    c.query(
      `INSERT INTO api_tokens (id, name, prefix, token_hash, created_by) VALUES (gen_random_uuid(), 'bench-console', $1, $2, 'bench')`,
      [prefix, hash],
    ),
  );
  const port = Number(process.env.BENCH_CONSOLE_PORT ?? 3199);
  const base = `http://127.0.0.1:${port}`;
  const nextBin = createRequire(import.meta.url).resolve('next/dist/bin/next');
  const server = spawn(process.execPath, [nextBin, 'start', '--hostname', '127.0.0.1', '--port', String(port)], {
    cwd: root,
    detached: true,
    stdio: 'ignore',
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: url,
      NEXTAUTH_SECRET: randomBytes(36).toString('base64url'),
      NEXTAUTH_URL: base,
      NEXT_TELEMETRY_DISABLED: '1',
      LOG_LEVEL: 'warn',
    },
  });
  try {
    for (let tries = 0; ; tries++) {
      const ok = await fetch(`${base}/api/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (tries > 120) throw new Error(`next start did not answer ${base}/api/health within 60 s`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const get = async (p: string) => {
      const a = performance.now();
      const res = await fetch(`${base}${p}`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await res.json()) as { groups?: unknown };
      if (!res.ok) throw new Error(`GET ${p}: HTTP ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
      return performance.now() - a;
    };
    const xs: Record<string, number[]> = { http_overview_tiles: [], http_consumers: [] };
    for (let i = 0; i < RUNS + 5; i++) {
      const o = await get('/api/consumers/overview');
      const l = await get('/api/consumers');
      if (i < 5) continue;
      xs.http_overview_tiles!.push(o);
      xs.http_consumers!.push(l);
    }
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(xs)) {
      v.sort((a, b) => a - b);
      console.log(
        `${k.padEnd(22)} p50 ${round(percentile(v, 50), 1)} ms, p95 ${round(percentile(v, 95), 1)} ms, max ${round(v.at(-1)!, 1)} ms (GET with an API token, loopback)`,
      );
      out[`${k}_p95_ms`] = round(percentile(v, 95), 1);
    }
    return out;
  } finally {
    try {
      process.kill(-server.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

const load0 = loadavg();
const url = await benchDatabase();
const db = createDb(url, { poolSize: 10 });
try {
  if (process.env.BENCH_CONSOLE_HTTP === '1') {
    const http = await httpPhase(url);
    console.log(
      `load average: ${load0.map((x) => round(x, 1)).join(' ')} at start, ${loadavg()
        .map((x) => round(x, 1))
        .join(' ')} at the end`,
    );
    console.log(
      JSON.stringify({
        bench: 'console',
        mode: 'http',
        events: EVENTS,
        groups: GROUPS,
        p95_ms: Math.max(...Object.values(http)),
        ...http,
        loadavg_1m: round(loadavg()[0]!, 2),
      }),
    );
  } else {
    // The clock: 2 s after the sampler's latest tick (the seed's, or the last catch-up's of an HTTP run).
    const [{ latest }] = await withClient(url, (c) => c.query<{ latest: Date }>(`SELECT max(at) AS latest FROM lag_samples`)).then(
      (r) => r.rows as [{ latest: Date }],
    );
    const now = () => new Date(latest.getTime() + 2_000);
    const defaultQuery = consumerListQuerySchema.parse({});
    const filtered = consumerListQuerySchema.parse({ status: 'WARN,STALL', sort: '-lag' });

    if (process.env.BENCH_CONSOLE_EXPLAIN === '1') {
      await withClient(url, async (c) => {
        const since = new Date(now().getTime() - 15 * 60_000);
        const ids = (
          await c.query<{ group_id: string }>(`SELECT group_id FROM lag_samples WHERE at = (SELECT max(at) FROM lag_samples) LIMIT 500`)
        ).rows.map((r) => r.group_id);
        const statements: Array<[string, string, unknown[]]> = [
          ['latest tick', `SELECT * FROM lag_samples WHERE at = (SELECT max(at) FROM lag_samples)`, []],
          [
            'sparklines',
            `SELECT group_id, bucket, max_lag AS lag FROM lag_rollups_1m WHERE group_id = ANY($1::text[]) AND bucket >= date_trunc('minute', $2::timestamptz) ORDER BY group_id, bucket`,
            [ids, since],
          ],
          ['published in window', `SELECT count(*) FROM outbox_events WHERE published_at >= $1`, [new Date(now().getTime() - 300_000)]],
        ];
        for (const [label, sql, params] of statements) {
          const { rows } = await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
          console.log(`--- ${label}\n${rows.map((r) => r['QUERY PLAN']).join('\n')}`);
        }
      });
    }

    const timed = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
      const a = performance.now();
      const r = await f();
      JSON.stringify(r);
      return [r, performance.now() - a];
    };
    const series: Record<string, number[]> = {
      overview: [],
      consumers: [],
      consumers_filtered: [],
      getConsumersOverview: [],
      getSystemPulse: [],
      listChecks: [],
      getDemoKnobs: [],
    };
    let check = '';
    const loadStart = loadavg();
    for (let i = 0; i < RUNS + 5; i++) {
      const t = now();
      const [parts, overviewMs] = await timed(() =>
        Promise.all([
          timed(() => getConsumersOverview(db, t)),
          timed(() => getSystemPulse(db, t)),
          timed(() => listChecks(db, t)),
          timed(() => getDemoKnobs(db)),
        ]),
      );
      const [list, consumersMs] = await timed(() => listConsumerGroups(db, t, defaultQuery));
      const [, filteredMs] = await timed(() => listConsumerGroups(db, t, filtered));
      if (i === 0) {
        const overview = parts[0][0];
        const pulse = parts[1][0];
        check = `overview: ${overview.groups.total} groups ${JSON.stringify(overview.groups.byStatus)}, worst ${overview.worst?.groupId} ${overview.worst?.secondsBehind} s, sampler ${overview.sampler.state}, outbox backlog ${overview.outbox.backlog}; pulse: published in window ${pulse.outbox.publishedInWindow}, last position ${pulse.outbox.lastPosition}; consumers: ${list.total} groups, ${list.groups.length} listed, sparkline points of the first ${list.groups[0]?.sparkline.length}`;
        if (overview.groups.total !== GROUPS || list.groups.length !== 500 || (list.groups[0]?.sparkline.length ?? 0) < 15)
          throw new Error(`unexpected figures: ${check}`);
      }
      if (i < 5) continue;
      series.overview!.push(overviewMs);
      series.consumers!.push(consumersMs);
      series.consumers_filtered!.push(filteredMs);
      (['getConsumersOverview', 'getSystemPulse', 'listChecks', 'getDemoKnobs'] as const).forEach((k, j) => series[k]!.push(parts[j]![1]));
    }
    const loadEnd = loadavg();
    for (const xs of Object.values(series)) xs.sort((a, b) => a - b);
    const p = (k: string, q: number) => round(percentile(series[k]!, q), 1);
    console.log(check);
    console.log(
      `load average: ${load0.map((x) => round(x, 1)).join(' ')} at start, ${loadStart.map((x) => round(x, 1)).join(' ')} at the first timed read, ${loadEnd.map((x) => round(x, 1)).join(' ')} at the last`,
    );
    for (const k of Object.keys(series))
      console.log(`${k.padEnd(22)} p50 ${p(k, 50)} ms, p95 ${p(k, 95)} ms, max ${round(series[k]!.at(-1)!, 1)} ms`);
    const result = {
      bench: 'console',
      events: EVENTS,
      groups: GROUPS,
      p95_ms: Math.max(p('overview', 95), p('consumers', 95)),
      overview_p95_ms: p('overview', 95),
      consumers_p95_ms: p('consumers', 95),
      loadavg_1m: round(loadEnd[0]!, 2),
    };
    console.log(JSON.stringify(result));
  }
} finally {
  await db.$disconnect();
  if (process.env.BENCH_CONSOLE_DROP === '1')
    await withClient(await urlOf('postgres'), (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}
