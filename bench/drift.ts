// Drift check of a 1,000,000-row projection (issue 10: "fully checked in ≤ 10 s";
// BENCHMARKS.md, "Projection drift check").
//
// Seeds, set-based (generate_series, in chunks) in a DEDICATED database kept between
// runs (signalbox_bench_drift_<rows>; BENCH_DRIFT_FRESH=1 reseeds, BENCH_DRIFT_DROP=1
// drops it at the end), the demo's customer-stats projection: BENCH_DRIFT_ROWS customers
// (default 1,000,000), each with one OrderPlaced and every second one a
// PaymentAuthorized (1.5 events per row), published on 6 partitions of the orders
// topic; customer_stats_v1 holds what the projection's evolve makes of them, and the
// checkpoints sit at the last offsets. Then BENCH_DRIFT_CORRUPT rows (default 100: 50
// changed, 25 deleted, 25 made up) are edited behind the projection's back.
//
// Timed, in one run:
//   seconds            — the drift check exactly as the `projection.drift-check` job runs
//                        it (checkProjectionDrift: snapshot, the log folded by the
//                        projection's own evolve into a temp table, bucket checksums of
//                        both sides, drill-down into differing buckets, samples), with
//                        PROJECTION_DRIFT_BUCKETS buckets (BENCH_DRIFT_BUCKETS, default 1024);
//                        it must find exactly the corrupted rows;
//   hash_scan_seconds  — a plain hash scan of the same table: the per-bucket checksum
//                        statement alone (count and XOR of row hashes over every row).
// BENCH_DRIFT_RUNS (default 1) checks are timed after one untimed warm-up check; the
// median is reported.
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createDb } from '../lib/adapters/prisma/client';
import { pgDriftDb } from '../lib/adapters/postgres/event-log-stream';
import { checkProjectionDrift, type DriftResult } from '../lib/backbone/projection-drift';
import { bucketChecksumSql } from '../lib/domain/drift/sql-parts';
import type { EventRegistry } from '../lib/domain/events/registry';
import { createOrderEventRegistry, ORDERS_TOPIC } from '../lib/demo/orders/events';
import { demoDriftSpecs } from '../lib/demo/projections/drift-specs';
import { applyMigrations } from '../lib/tooling/schema-engine';
import { createTestDatabase } from '../tests/support/database';
import { round, urlOf, withClient, log } from './support';

const ROWS = Number(process.env.BENCH_DRIFT_ROWS ?? 1_000_000);
const CORRUPT = Number(process.env.BENCH_DRIFT_CORRUPT ?? 100);
const BUCKETS = Number(process.env.BENCH_DRIFT_BUCKETS ?? 1024);
const RUNS = Math.max(1, Number(process.env.BENCH_DRIFT_RUNS ?? 1));
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

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const load0 = loadavg();
const url = await benchDatabase();
const db = createDb(url, { poolSize: 4, applicationName: 'signalbox-bench-drift' });
const spec = demoDriftSpecs[PROJECTION]!;
const registry = createOrderEventRegistry() as EventRegistry;
try {
  const [{ rows, events }] = (await db.$queryRawUnsafe(`SELECT (SELECT count(*) FROM ${TABLE})::int AS rows, (SELECT count(*) FROM outbox_events)::int AS events`)) as [{ rows: number; events: number }];
  log(`${rows} rows in ${TABLE}, ${events} events in the log; ${BUCKETS} buckets; load average before: ${load0.map((l) => l.toFixed(2)).join(' ')}`);

  const check = async (): Promise<{ seconds: number; foldSeconds: number; result: DriftResult }> => {
    const t0 = performance.now();
    let folded = t0;
    const result = await checkProjectionDrift(pgDriftDb(url, db), registry, spec, { table: TABLE, checkpointName: PROJECTION }, {
      buckets: BUCKETS, samplesPerKind: 20, publishWaitMs: 0, onProgress: () => (folded = performance.now()),
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

  log('warm-up check (untimed)');
  await check();
  const checks: Array<Awaited<ReturnType<typeof check>>> = [];
  const scans: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const c = await check();
    checks.push(c);
    log(`check ${r + 1}: ${round(c.seconds, 2)} s (log folded into the temp table after ${round(c.foldSeconds, 2)} s; compare ${round(c.seconds - c.foldSeconds, 2)} s): ` +
      `${c.result.rowsCompared} compared, ${c.result.missing} missing, ${c.result.extra} extra, ${c.result.different} different, ${c.result.bucketsDiffering} buckets differed, ${c.result.eventsRead} events read`);
    const s = await hashScan();
    scans.push(s);
    log(`hash scan ${r + 1}: ${round(s, 2)} s`);
  }
  const found = checks.at(-1)!.result;
  const expected = { missing: CORRUPT / 4, extra: CORRUPT / 4, different: CORRUPT / 2 };
  const exact = found.missing === expected.missing && found.extra === expected.extra && found.different === expected.different;
  if (!exact) console.error(`the check did not find exactly the corrupted rows: expected ${JSON.stringify(expected)}, found ${JSON.stringify({ missing: found.missing, extra: found.extra, different: found.different })}`);
  const seconds = median(checks.map((c) => c.seconds));
  const hashScanSeconds = median(scans);
  const load1 = loadavg();
  console.log(`drift check: ${round(seconds, 2)} s for ${found.rowsCompared} rows (${events} events folded; target ≤ 10 s: ${seconds <= 10 ? 'met' : `missed by ${round(seconds - 10, 1)} s, ${round(seconds / 10, 2)}×`})`);
  console.log(`fold ${round(median(checks.map((c) => c.foldSeconds)), 2)} s, compare ${round(median(checks.map((c) => c.seconds - c.foldSeconds)), 2)} s; plain hash scan ${round(hashScanSeconds, 2)} s`);
  console.log(`corruption found exactly: ${exact ? 'yes' : 'NO'}; load average before ${load0.map((l) => l.toFixed(2)).join(' ')}, after ${load1.map((l) => l.toFixed(2)).join(' ')}`);
  console.log(JSON.stringify({ bench: 'drift', rows: found.rowsCompared, seconds: round(seconds, 2), hash_scan_seconds: round(hashScanSeconds, 2) }));
  if (!exact) process.exitCode = 1;
} finally {
  await db.$disconnect();
  if (process.env.BENCH_DRIFT_DROP === '1') await withClient(await urlOf('postgres'), (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}
