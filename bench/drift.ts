// Drift check of a 1,000,000-row projection (issue 10: "fully checked in ≤ 10 s";
// BENCHMARKS.md, "Projection drift check").
//
// Seeds, set-based (generate_series, in chunks) in a DEDICATED database kept between
// runs (signalbox_bench_drift_<rows>; BENCH_DRIFT_FRESH=1 reseeds, BENCH_DRIFT_DROP=1
// drops it at the end, BENCH_DRIFT_SEED_ONLY=1 only seeds), the demo's customer-stats projection: BENCH_DRIFT_ROWS customers
// (default 1,000,000), each with one OrderPlaced and every second one a
// PaymentAuthorized (1.5 events per row), published on 6 partitions of the orders
// topic; customer_stats_v1 holds what the projection's evolve makes of them, and the
// checkpoints sit at the last offsets. Then BENCH_DRIFT_CORRUPT rows (default 100: 50
// changed, 25 deleted, 25 made up) are edited behind the projection's back.
//
// Timed, in one run:
//   cold_seconds       — a cold check (`cold: true`): the whole log folded by the
//                        projection's own evolve into a fresh drift base (COPY by the
//                        store's declared columns, key index), bucket checksums of both
//                        sides, drill-down into differing buckets, samples; the base and
//                        its cut are stored (what the first check of a version costs);
//   then BENCH_DRIFT_NEW_EVENTS new events (default 10,000: orders of existing customers
//   and of new ones, OrderPlaced + every second one PaymentAuthorized) are appended to
//   the log and applied to the read model as the live consumer does (applyProjectionBatch,
//   checkpoints advanced), and
//   seconds            — the check exactly as the `projection.drift-check` job runs it now
//                        (fold = the new events read, folded onto the base and written back):
//                        incremental (only the new events folded onto the base's rows of the
//                        keys they touch), then every row of the read model compared by
//                        content against the base as above. BENCH_DRIFT_RUNS (default 1)
//                        rounds of new events + check; the median is reported;
//   hash_scan_seconds  — a plain hash scan of the same table: the per-bucket checksum
//                        statement alone (count and XOR of row hashes over every row).
// Both checks must find exactly the corrupted rows (the new events avoid their keys), and
// the timed check must have been incremental, or the bench fails.
import { loadavg } from 'node:os';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createDb } from '../lib/adapters/prisma/client';
import { pgDriftDb } from '../lib/adapters/postgres/event-log-stream';
import { checkProjectionDrift, type DriftDb, type DriftResult } from '../lib/backbone/projection-drift';
import { applyProjectionBatch } from '../lib/backbone/projection';
import { decodeLogged } from '../lib/backbone/recompute-projection';
import type { EventEnvelope } from '../lib/domain/events/envelope';
import { bucketChecksumSql } from '../lib/domain/drift/sql-parts';
import type { EventRegistry } from '../lib/domain/events/registry';
import type { SqlTx } from '../lib/backbone/ports';
import { createOrderEventRegistry, ORDERS_TOPIC } from '../lib/demo/orders/events';
import { demoDriftSpecs } from '../lib/demo/projections/drift-specs';
import { applyMigrations } from '../lib/tooling/schema-engine';
import { createTestDatabase } from '../tests/support/database';
import { round, urlOf, withClient, log } from './support';

const ROWS = Number(process.env.BENCH_DRIFT_ROWS ?? 1_000_000);
const CORRUPT = Number(process.env.BENCH_DRIFT_CORRUPT ?? 100);
const BUCKETS = Number(process.env.BENCH_DRIFT_BUCKETS ?? 1024);
const RUNS = Math.max(1, Number(process.env.BENCH_DRIFT_RUNS ?? 1));
const NEW_EVENTS = Math.max(2, Number(process.env.BENCH_DRIFT_NEW_EVENTS ?? 10_000));
const PARTITIONS = 6;
const CHUNK = 250_000; // customers per INSERT statement
const PROJECTION = 'customer-stats';
const TABLE = 'customer_stats_v1';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

if (!Number.isInteger(ROWS) || ROWS < 1000 || !Number.isInteger(CORRUPT) || CORRUPT < 4 || CORRUPT % 4 !== 0 || CORRUPT * 2 > ROWS) {
  console.error('BENCH_DRIFT_ROWS must be a whole number ≥ 1000 and BENCH_DRIFT_CORRUPT a multiple of 4, at most half the rows');
  process.exit(64);
}

const name = `signalbox_bench_drift_${ROWS}`;
const seededMark = `seeded ${ROWS} customer-stats rows, ${CORRUPT} corrupted, v2`;


async function benchDatabase(): Promise<string> {
  const adminUrl = await urlOf('postgres');
  const comment = await withClient(adminUrl, async (admin) => {
    if (process.env.BENCH_DRIFT_FRESH === '1') await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    const { rows } = await admin.query<{ comment: string | null }>(`SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`, [name]);
    return rows[0] ? (rows[0].comment ?? '') : null;
  });
  const url = await urlOf(name);
  if (comment === seededMark) {
    const applied = await applyMigrations({ url, schemaPath: path.join(root, 'prisma', 'schema.prisma'), migrationsDir: path.join(root, 'prisma', 'migrations') });
    log(applied.length ? `reusing ${name}; applied ${applied.join(', ')}` : `reusing ${name} (already seeded)`);
    return url;
  }
  await withClient(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  const fresh = await createTestDatabase('bench_drift_seed');
  await withClient(adminUrl, (admin) => admin.query(`ALTER DATABASE ${new URL(fresh.url).pathname.slice(1)} RENAME TO ${name}`));
  const t0 = performance.now();
  await withClient(url, seed);
  await withClient(adminUrl, (admin) => admin.query(`COMMENT ON DATABASE ${name} IS '${seededMark}'`));
  log(`seeded ${ROWS} rows in ${round((performance.now() - t0) / 1000)} s`);
  return url;
}

async function seed(c: pg.Client): Promise<void> {
  await c.query(`SET maintenance_work_mem = '256MB'`);
  await c.query(`SET synchronous_commit = off`);
  await c.query(`SET TimeZone = 'UTC'`);
  for (const t of ['outbox_events', TABLE]) await c.query(`ALTER TABLE ${t} SET UNLOGGED`);
  const { rows: indexes } = await c.query<{ name: string; def: string }>(
    `SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'outbox_events'
     AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))`,
  );
  for (const i of indexes) await c.query(`DROP INDEX ${i.name}`);
  // Customer i: order md5('o' || i); OrderPlaced at position 2i + 1; PaymentAuthorized at 2i + 2 when i is even.
  // Both on partition i % 6 (one order's events stay on one partition), offset = position (increasing per partition).
  // RFC 4122-shaped ids (version 4, variant 10): the event schemas check them as UUIDs.
  const uuid = (x: string) => `overlay(overlay(md5(${x}) placing '4' from 13) placing '8' from 17)::uuid`;
  const envelope = (type: string, version: number, k: number) => `jsonb_build_object(
      'specversion', '1.0', 'id', ${uuid(`'e' || i || '-${k}'`)}::text, 'type', '${type}', 'version', ${version},
      'time', to_char(t0 + make_interval(secs => i) + make_interval(secs => ${k}), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      'source', '/bench/drift', 'subject', ${uuid(`'o' || i`)}::text, 'datacontenttype', 'application/json',
      'trace_id', md5('t' || i), 'traceparent', '00-' || md5('t' || i) || '-00f067aa0ba902b7-01', 'causation_id', NULL, 'correlation_id', NULL,
      'data', jsonb_build_object('orderId', ${uuid(`'o' || i`)}::text, 'customerId', 'c-' || lpad(i::text, 8, '0'), 'amountCents', 100 + i % 1000, 'currency', 'EUR'
        ${type === 'orders.OrderPlaced' ? `, 'channel', 'api'` : `, 'paymentId', ${uuid(`'p' || i`)}::text`}))`;
  for (let from = 0; from < ROWS; from += CHUNK) {
    const to = Math.min(ROWS, from + CHUNK) - 1;
    await c.query(`
      INSERT INTO outbox_events (position, event_id, type, version, source, subject, lane, trace_id, traceparent, topic, envelope, occurred_at, created_at, published_at, partition, "offset")
      SELECT 2 * i + 1 + k, (env->>'id')::uuid, env->>'type', (env->>'version')::int, '/bench/drift', env->>'subject', i % 64, md5('t' || i), env->>'traceparent',
             '${ORDERS_TOPIC}', env, (env->>'time')::timestamptz, (env->>'time')::timestamptz, (env->>'time')::timestamptz + interval '5 ms', i % ${PARTITIONS}, 2 * i + 1 + k
      FROM generate_series(${from}, ${to}) AS i CROSS JOIN (VALUES (0), (1)) AS kk(k)
      CROSS JOIN LATERAL (SELECT timestamptz '2026-01-01 00:00:00+00' AS t0) z
      CROSS JOIN LATERAL (SELECT CASE WHEN k = 0 THEN ${envelope('orders.OrderPlaced', 2, 0)} ELSE ${envelope('payments.PaymentAuthorized', 1, 1)} END AS env) x
      WHERE k = 0 OR i % 2 = 0`);
    await c.query(`
      INSERT INTO ${TABLE} (customer_id, orders_placed, orders_cancelled, revenue_cents, last_event_id, updated_at)
      SELECT 'c-' || lpad(i::text, 8, '0'), 1, 0, CASE WHEN i % 2 = 0 THEN 100 + i % 1000 ELSE 0 END,
             ${uuid(`'e' || i || '-' || CASE WHEN i % 2 = 0 THEN 1 ELSE 0 END`)},
             timestamptz '2026-01-01 00:00:00+00' + make_interval(secs => i) + make_interval(secs => CASE WHEN i % 2 = 0 THEN 1 ELSE 0 END)
      FROM generate_series(${from}, ${to}) AS i`);
    log(`  ${to + 1} / ${ROWS} customers`);
  }
  await c.query(`SELECT setval(pg_get_serial_sequence('outbox_events', 'position'), ${2 * ROWS + 2})`);
  await c.query(`DELETE FROM projection_checkpoints WHERE projection = $1`, [PROJECTION]);
  await c.query(
    `INSERT INTO projection_checkpoints (projection, topic, partition, "offset", events_applied)
     SELECT $1, topic, partition, max("offset"), count(*) FROM outbox_events GROUP BY topic, partition`, [PROJECTION],
  );
  // The corruption: CORRUPT/2 rows changed, CORRUPT/4 deleted, CORRUPT/4 made up — spread over the key space.
  const step = Math.floor(ROWS / CORRUPT);
  await c.query(`UPDATE ${TABLE} SET orders_placed = orders_placed + 1 WHERE customer_id IN (SELECT 'c-' || lpad((n * ${step})::text, 8, '0') FROM generate_series(0, ${CORRUPT / 2 - 1}) n)`);
  await c.query(`DELETE FROM ${TABLE} WHERE customer_id IN (SELECT 'c-' || lpad((n * ${step} + 1)::text, 8, '0') FROM generate_series(0, ${CORRUPT / 4 - 1}) n)`);
  await c.query(`INSERT INTO ${TABLE} (customer_id, orders_placed, orders_cancelled, revenue_cents, last_event_id, updated_at)
                 SELECT 'ghost-' || n, 1, 0, 999, md5('g' || n)::uuid, now() FROM generate_series(1, ${CORRUPT / 4}) n`);
  log('  rebuilding indexes');
  for (const i of indexes) await c.query(i.def);
  log('  VACUUM ANALYZE');
  for (const t of ['outbox_events', TABLE, 'projection_checkpoints']) await c.query(`VACUUM (ANALYZE) ${t}`);
}

/**
 * Appends about `count` events to the log (orders of existing customers — never a
 * corrupted one — and of new customers; OrderPlaced, and PaymentAuthorized for every
 * second order; one order on one partition, offsets past each partition's end) and
 * applies them to the read model as the live consumer does, checkpoints included.
 */
async function appendEvents(c: pg.Client, count: number, registry: EventRegistry): Promise<number> {
  const { rows: [top] } = await c.query<{ p: string }>(`SELECT max(position)::text AS p FROM outbox_events`);
  const tag = top!.p;
  const { rows: ends } = await c.query<{ partition: number; o: string }>(`SELECT partition, max("offset")::text AS o FROM outbox_events WHERE topic = $1 GROUP BY partition`, [ORDERS_TOPIC]);
  const next = new Map(ends.map((e) => [e.partition, BigInt(e.o)]));
  const step = Math.floor(ROWS / CORRUPT);
  const placed: Array<{ event: EventEnvelope; text: string; partition: number; offset: string }> = [];
  const time = new Date('2026-06-01T00:00:00Z').getTime();
  for (let k = 0; placed.length < count; k++) {
    let customer: string;
    if (k % 2 === 0) {
      let i = (k * 7919 + 2) % ROWS;
      while (i % step < 2) i = (i + 2) % ROWS; // not a changed or deleted row
      customer = `c-${String(i).padStart(8, '0')}`;
    } else customer = `n-${tag}-${k}`;
    const orderId = randomUUID();
    const partition = k % PARTITIONS;
    const facts = [{ type: 'orders.OrderPlaced', version: 2, data: { orderId, customerId: customer, amountCents: 100 + (k % 1000), currency: 'EUR', channel: 'api' } }];
    if (k % 4 < 2) facts.push({ type: 'payments.PaymentAuthorized', version: 1, data: { orderId, customerId: customer, amountCents: 100 + (k % 1000), currency: 'EUR', paymentId: randomUUID() } as never });
    for (const [j, f] of facts.entries()) {
      const trace = randomUUID().replace(/-/g, '');
      const envelope = {
        specversion: '1.0', id: randomUUID(), type: f.type, version: f.version, time: new Date(time + k * 1000 + j).toISOString(), source: '/bench/drift',
        subject: orderId, datacontenttype: 'application/json', trace_id: trace, traceparent: `00-${trace}-00f067aa0ba902b7-01`, causation_id: null, correlation_id: null, data: f.data,
      };
      const text = JSON.stringify(envelope);
      const event = decodeLogged(registry, text);
      if (!event) throw new Error(`bench event does not decode: ${text}`);
      const offset = (next.get(partition) ?? -1n) + 1n;
      next.set(partition, offset);
      placed.push({ event, text, partition, offset: offset.toString() });
    }
  }
  await c.query(
    `INSERT INTO outbox_events (event_id, type, version, source, subject, lane, trace_id, traceparent, topic, envelope, occurred_at, created_at, published_at, partition, "offset")
     SELECT (env->>'id')::uuid, env->>'type', (env->>'version')::int, '/bench/drift', env->>'subject', 0, env->>'trace_id', env->>'traceparent', $1, env,
            (env->>'time')::timestamptz, now(), now(), x.p, x.o
     FROM unnest($2::jsonb[], $3::int[], $4::bigint[]) AS x(env, p, o)`,
    [ORDERS_TOPIC, placed.map((e) => e.text), placed.map((e) => e.partition), placed.map((e) => e.offset)],
  );
  const store = spec.storeFor(TABLE);
  const tx = { $executeRawUnsafe: async (q: string, ...v: unknown[]) => (await c.query(q, v)).rowCount ?? 0, $queryRawUnsafe: async <T>(q: string, ...v: unknown[]) => (await c.query(q, v)).rows as T };
  for (let p = 0; p < PARTITIONS; p++) {
    const items = placed.filter((e) => e.partition === p).map((e) => ({ event: e.event, message: { topic: ORDERS_TOPIC, partition: p, offset: e.offset } }));
    await c.query('BEGIN');
    await applyProjectionBatch(spec.definition, store, PROJECTION, items as never, tx);
    await c.query('COMMIT');
  }
  return placed.length;
}

/** BENCH_DRIFT_TRACE=1: every statement of a check logged with its duration (where the time goes). */
function traced(driftDb: DriftDb): DriftDb {
  if (process.env.BENCH_DRIFT_TRACE !== '1') return driftDb;
  const timed = async <T>(label: string, sql: string, run: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await run();
    } finally {
      log(`    ${round((performance.now() - t0) / 1000, 3)} s ${label} ${sql.replace(/\s+/g, ' ').slice(0, 100)}`);
    }
  };
  const original = new WeakMap<SqlTx, SqlTx>();
  return {
    ...driftDb,
    snapshot: (fn) => driftDb.snapshot((tx) => {
      const wrapped: SqlTx = {
        $executeRawUnsafe: (q, ...v) => timed('exec', q, () => tx.$executeRawUnsafe(q, ...v)),
        $queryRawUnsafe: <T>(q: string, ...v: unknown[]) => timed('query', q, () => tx.$queryRawUnsafe<T>(q, ...v)),
      };
      original.set(wrapped, tx);
      return fn(wrapped);
    }),
    stream: (q, params, size, onPage) => timed('stream', q, () => driftDb.stream(q, params, size, onPage)),
    copyInto: (tx, table, columns, values) => timed('copy', table, () => driftDb.copyInto!(original.get(tx) ?? tx, table, columns, values)),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const load0 = loadavg();
const url = await benchDatabase();
if (process.env.BENCH_DRIFT_SEED_ONLY === '1') process.exit(0);
const db = createDb(url, { poolSize: 4, applicationName: 'signalbox-bench-drift' });
const spec = demoDriftSpecs[PROJECTION]!;
const registry = createOrderEventRegistry() as EventRegistry;
try {
  const [{ rows, events }] = (await db.$queryRawUnsafe(`SELECT (SELECT count(*) FROM ${TABLE})::int AS rows, (SELECT count(*) FROM outbox_events)::int AS events`)) as [{ rows: number; events: number }];
  log(`${rows} rows in ${TABLE}, ${events} events in the log; ${BUCKETS} buckets; load average before: ${load0.map((l) => l.toFixed(2)).join(' ')}`);

  const check = async (cold: boolean): Promise<{ seconds: number; foldSeconds: number; result: DriftResult }> => {
    const t0 = performance.now();
    let folded = t0;
    const result = await checkProjectionDrift(traced(pgDriftDb(url, db)), registry, spec, { table: TABLE, checkpointName: PROJECTION, version: 1 }, {
      buckets: BUCKETS, samplesPerKind: 20, publishWaitMs: 0, cold, onProgress: () => (folded = performance.now()),
    });
    return { seconds: (performance.now() - t0) / 1000, foldSeconds: (folded - t0) / 1000, result };
  };
  const hashScan = async (): Promise<number> => {
    const t0 = performance.now();
    await db.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(`SET LOCAL TimeZone = 'UTC'`);
      await tx.$queryRawUnsafe(bucketChecksumSql(TABLE, spec.keyColumn, spec.compareColumns, BUCKETS));
    }, { timeout: 300_000 });
    return (performance.now() - t0) / 1000;
  };
  const describe = (label: string, c: Awaited<ReturnType<typeof check>>) =>
    log(`${label}: ${round(c.seconds, 2)} s (${c.result.mode}; ${c.result.eventsRead} events folded after ${round(c.foldSeconds, 2)} s; compare ${round(c.seconds - c.foldSeconds, 2)} s): ` +
      `${c.result.rowsCompared} compared, ${c.result.missing} missing, ${c.result.extra} extra, ${c.result.different} different, ${c.result.bucketsDiffering} buckets differed`);
  const expected = { missing: CORRUPT / 4, extra: CORRUPT / 4, different: CORRUPT / 2 };
  const exactly = (r: DriftResult) => r.missing === expected.missing && r.extra === expected.extra && r.different === expected.different;
  const failures: string[] = [];
  const judge = (label: string, r: DriftResult) => {
    if (!exactly(r)) failures.push(`${label} did not find exactly the corrupted rows: expected ${JSON.stringify(expected)}, found ${JSON.stringify({ missing: r.missing, extra: r.extra, different: r.different })}`);
  };

  const scans = [await hashScan()];
  log(`hash scan: ${round(scans[0]!, 2)} s`);
  const cold = await check(true);
  describe('cold check', cold);
  judge('the cold check', cold.result);
  const checks: Array<Awaited<ReturnType<typeof check>>> = [];
  let appended = 0;
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    const n = await withClient(url, (c) => appendEvents(c, NEW_EVENTS, registry));
    appended += n;
    log(`appended ${n} events and applied them to ${TABLE} in ${round((performance.now() - t0) / 1000, 2)} s`);
    const c = await check(false);
    describe(`incremental check ${r + 1}`, c);
    judge(`incremental check ${r + 1}`, c.result);
    if (c.result.mode !== 'incremental') failures.push(`check ${r + 1} was not incremental: ${c.result.coldReason}`);
    if (c.result.eventsRead !== n) failures.push(`check ${r + 1} folded ${c.result.eventsRead} events, ${n} were new`);
    checks.push(c);
    const s = await hashScan();
    scans.push(s);
    log(`hash scan: ${round(s, 2)} s`);
  }
  for (const f of failures) console.error(f);
  const found = checks.at(-1)!.result;
  const seconds = median(checks.map((c) => c.seconds));
  const hashScanSeconds = median(scans);
  const load1 = loadavg();
  const verdict = (x: number) => (x <= 10 ? 'met' : `missed by ${round(x - 10, 1)} s, ${round(x / 10, 2)}×`);
  console.log(`drift check (incremental, after ${round(appended / RUNS)} new events): ${round(seconds, 2)} s for ${found.rowsCompared} rows, every row compared by content (target ≤ 10 s: ${verdict(seconds)})`);
  console.log(`  fold ${round(median(checks.map((c) => c.foldSeconds)), 2)} s, compare ${round(median(checks.map((c) => c.seconds - c.foldSeconds)), 2)} s`);
  console.log(`cold check (whole log, ${cold.result.eventsRead} events, base rebuilt): ${round(cold.seconds, 2)} s (fold ${round(cold.foldSeconds, 2)} s, compare ${round(cold.seconds - cold.foldSeconds, 2)} s; target: ${verdict(cold.seconds)})`);
  console.log(`plain hash scan ${round(hashScanSeconds, 2)} s`);
  console.log(`corruption found exactly by every check: ${failures.length === 0 ? 'yes' : 'NO'}; load average before ${load0.map((l) => l.toFixed(2)).join(' ')}, after ${load1.map((l) => l.toFixed(2)).join(' ')}`);
  console.log(JSON.stringify({ bench: 'drift', rows: found.rowsCompared, seconds: round(seconds, 2), cold_seconds: round(cold.seconds, 2), hash_scan_seconds: round(hashScanSeconds, 2), new_events: round(appended / RUNS) }));
  if (failures.length > 0) process.exitCode = 1;
} finally {
  await db.$disconnect();
  if (process.env.BENCH_DRIFT_DROP === '1') await withClient(await urlOf('postgres'), (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}
