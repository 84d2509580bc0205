// Blue/green rebuild: events/s of a full `projection.rebuild` job of order-summary
// over N logged events (default 1,000,000; `--events N` or BENCH_EVENTS), run by
// the real job runner in this process (checkpoint transactions, progress,
// heartbeats), from the cut to "ready to swap" (fold, catch-up, old-vs-new diff).
// Baseline in the same run: a plain COPY of as many rows into a table of the same
// shape (raw_copy_rows_per_s), through node-postgres's COPY FROM STDIN.
//
// The outbox is generated in SQL: orders of 4 events (placed, authorised,
// dispatched, delivered — every 10th order cancelled instead of delivered), 12
// partitions with contiguous offsets, all published. The active version (v1) is
// filled with the same rows by SQL and its checkpoints set to the log's end, as a
// live projection that is caught up: the diff then compares equal tables. No live
// traffic during the run. Load average printed before and after.
import { loadavg } from 'node:os';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createDb } from '../lib/adapters/prisma/client';
import { startProjectionRebuild } from '../lib/app/start-projection-rebuild';
import { createOrderEventRegistry } from '../lib/demo/orders/events';
import type { EventRegistry } from '../lib/domain/events/registry';
import { createJobKindRegistry } from '../lib/jobs/job-kind';
import { startJobQueue } from '../lib/jobs/job-queue';
import { createJobRunner } from '../lib/jobs/job-runner';
import { createProjectionRebuildJob } from '../lib/jobs/kinds/projection-rebuild';
import type { ProjectionJobDeps } from '../lib/jobs/kinds/projection-deps';
import { getJob } from '../lib/read/get-job';
import { createTestDatabase } from '../tests/support/database';
import { copyFromStdin } from '../lib/adapters/postgres/copy-in';
import { round } from './support';

const arg = process.argv.indexOf('--events');
const EVENTS = Number(arg > 0 ? process.argv[arg + 1] : (process.env.BENCH_EVENTS ?? 1_000_000));
const PAGE = Number(process.env.BENCH_REBUILD_PAGE ?? 10_000);
const PARTS = 12;
const ORDERS = Math.ceil(EVENTS / 4);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = () => loadavg().map((n) => n.toFixed(2)).join(' ');

console.log(`rebuild bench: ${ORDERS * 4} events (${ORDERS} orders), ${PARTS} partitions, page ${PAGE}; load average before: ${load()}`);
const database = await createTestDatabase('bench_rebuild');
const db = createDb(database.url, { poolSize: 8 });
const pool = new pg.Pool({ connectionString: database.url, max: 2 });
pool.on('error', () => {});

// A deterministic, valid (version 4, RFC variant) uuid from a text: decoders check uuids strictly.
const uid = (x: string) => `overlay(overlay(md5(${x}) placing '4' from 13) placing '8' from 17)::uuid`;
// Order i: id uid('o'||i), partition i % 12, its 4 events at offsets 4*(i/12)+j; times 1 ms apart per order.
const orderSql = `SELECT i, ${uid("'o' || i")} AS oid, 'c-' || (i % 5000) AS customer, 100 + i % 10000 AS amount,
    i % ${PARTS} AS part, (i / ${PARTS}) * 4 AS base_off, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 millisecond' AS t0
  FROM generate_series($1::bigint, $2::bigint - 1) AS i`;
const stepTime = (j: string) => `o.t0 + ${j} * interval '1 second'`;
const iso = (t: string) => `to_char((${t}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

// The outbox's secondary indexes (event_id unique, trace_id, subject, type, …) cost a
// random index insertion per event while loading — at 10M most of the seeding time.
// They are dropped for the load and rebuilt after it (one sort each), as a bulk load does;
// the rebuild then reads the same table with the same indexes.
async function withoutSecondaryIndexes(load: () => Promise<void>): Promise<void> {
  const { rows } = await pool.query<{ name: string; def: string }>(
    `SELECT i.relname AS name, pg_get_indexdef(x.indexrelid) AS def FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
     WHERE x.indrelid = 'outbox_events'::regclass AND NOT x.indisprimary`,
  );
  for (const { name } of rows) await pool.query(`DROP INDEX "${name}"`);
  await load();
  const started = Date.now();
  const client = await pool.connect();
  try {
    await client.query(`SET maintenance_work_mem = '512MB'`);
    for (const { def } of rows) await client.query(def);
  } finally {
    client.release();
  }
  console.log(`rebuilt ${rows.length} outbox indexes in ${round((Date.now() - started) / 1000)} s`);
}

async function generate(): Promise<void> {
  const started = Date.now();
  await withoutSecondaryIndexes(() => insertEvents());
  await insertActiveVersion();
  await pool.query(`ANALYZE outbox_events; ANALYZE order_summary_v1`);
  console.log(`generated ${ORDERS * 4} events and ${ORDERS} active rows in ${round((Date.now() - started) / 1000)} s`);
}

async function insertEvents(): Promise<void> {
  const started = Date.now();
  const CHUNK = 50_000;
  for (let from = 0; from < ORDERS; from += CHUNK) {
    await pool.query(
      `INSERT INTO outbox_events (event_id, type, version, source, subject, lane, trace_id, traceparent, topic, envelope, occurred_at, created_at, published_at, partition, "offset")
       SELECT e.id, e.type, e.ver, '/bench', o.oid::text, 0, md5(e.id::text), '00-' || md5(e.id::text) || '-' || substr(md5(o.oid::text), 1, 16) || '-01', 'orders.lifecycle.v1',
              jsonb_build_object('specversion', '1.0', 'id', e.id, 'type', e.type, 'version', e.ver, 'time', ${iso(stepTime('e.j'))}, 'source', '/bench',
                'subject', o.oid::text, 'datacontenttype', 'application/json', 'trace_id', md5(e.id::text), 'data', e.data),
              ${stepTime('e.j')}, now(), now(), o.part, o.base_off + e.j
       FROM (${orderSql}) o
       CROSS JOIN LATERAL (VALUES
         (0, ${uid("'e0' || o.i")}, 'orders.OrderPlaced', 2, jsonb_build_object('orderId', o.oid, 'customerId', o.customer, 'amountCents', o.amount, 'currency', 'EUR', 'channel', 'api')),
         (1, ${uid("'e1' || o.i")}, 'payments.PaymentAuthorized', 1, jsonb_build_object('orderId', o.oid, 'customerId', o.customer, 'amountCents', o.amount, 'currency', 'EUR', 'paymentId', ${uid("'p' || o.i")})),
         (2, ${uid("'e2' || o.i")}, 'shipping.ShipmentDispatched', 1, jsonb_build_object('orderId', o.oid, 'customerId', o.customer, 'shipmentId', ${uid("'s' || o.i")}, 'carrier', 'dhl')),
         (3, ${uid("'e3' || o.i")}, CASE WHEN o.i % 10 = 0 THEN 'orders.OrderCancelled' ELSE 'shipping.ShipmentDelivered' END, 1,
             CASE WHEN o.i % 10 = 0 THEN jsonb_build_object('orderId', o.oid, 'customerId', o.customer, 'reason', 'changed mind')
                  ELSE jsonb_build_object('orderId', o.oid, 'customerId', o.customer, 'shipmentId', ${uid("'s' || o.i")}) END)
       ) AS e(j, id, type, ver, data)
       ORDER BY o.i, e.j`,
      [from, Math.min(ORDERS, from + CHUNK)],
    );
  }
  console.log(`inserted ${ORDERS * 4} events (secondary indexes off) in ${round((Date.now() - started) / 1000)} s`);
}

async function insertActiveVersion(): Promise<void> {
  // The live version, caught up: the same rows, its checkpoints at the log's end.
  await pool.query(
    `INSERT INTO order_summary_v1 (order_id, customer_id, status, amount_cents, currency, placed_at, paid_at, payment_failed_at, dispatched_at, delivered_at, cancelled_at, last_event_id, updated_at)
     SELECT o.oid, o.customer, CASE WHEN o.i % 10 = 0 THEN 'cancelled' ELSE 'delivered' END, o.amount, 'EUR', ${stepTime('0')}, ${stepTime('1')}, NULL, ${stepTime('2')},
            CASE WHEN o.i % 10 = 0 THEN NULL ELSE ${stepTime('3')} END, CASE WHEN o.i % 10 = 0 THEN ${stepTime('3')} END, ${uid("'e3' || o.i")}, ${stepTime('3')}
     FROM (${orderSql}) o`,
    [0, ORDERS],
  );
  await pool.query(
    `INSERT INTO projection_checkpoints (projection, topic, partition, "offset", events_applied)
     SELECT 'order-summary', topic, partition, max("offset"), count(*) FROM outbox_events GROUP BY 1, 2, 3`,
  );
}

async function rawCopy(rows: number): Promise<number> {
  await pool.query(`CREATE TABLE bench_copy (LIKE order_summary_v1 INCLUDING ALL)`);
  // The rows' text is made first, so the timing is the COPY alone.
  const CHUNK = 10_000;
  const chunks: Buffer[] = [];
  const t = new Date('2026-01-01T00:00:00Z').getTime();
  for (let from = 0; from < rows; from += CHUNK) {
    let text = '';
    for (let i = from; i < Math.min(rows, from + CHUNK); i++) {
      const at = (s: number) => new Date(t + i + s * 1000).toISOString();
      text += `${randomUUID()}\tc-${i % 5000}\tdelivered\t${100 + (i % 10_000)}\tEUR\t${at(0)}\t${at(1)}\t\\N\t${at(2)}\t${at(3)}\t\\N\t${randomUUID()}\t${at(3)}\n`;
    }
    chunks.push(Buffer.from(text));
  }
  const client = await pool.connect();
  try {
    const started = performance.now();
    const copied = await copyFromStdin(client, `COPY bench_copy (order_id, customer_id, status, amount_cents, currency, placed_at, paid_at, payment_failed_at, dispatched_at, delivered_at, cancelled_at, last_event_id, updated_at) FROM STDIN`, () => chunks);
    const seconds = (performance.now() - started) / 1000;
    if (copied !== rows) throw new Error(`COPY wrote ${copied} rows, expected ${rows}`);
    return seconds;
  } finally {
    client.release();
  }
}

try {
  await generate();
  const deps: ProjectionJobDeps = {
    db, registry: createOrderEventRegistry() as EventRegistry,
    env: { DATABASE_URL: database.url, PROJECTION_DRIFT_BUCKETS: 1024, PROJECTION_DRIFT_SAMPLES: 20, PROJECTION_DRIFT_PUBLISH_WAIT_MS: 10_000, PROJECTION_DRIFT_EVERY_MIN: 0, PROJECTION_REPAIR_BATCH: 500 },
  };
  const kinds = createJobKindRegistry([createProjectionRebuildJob(() => Promise.resolve(deps))]);
  const queue = await startJobQueue({ databaseUrl: database.url, maintain: false });
  const runner = createJobRunner({ db, queue, kinds, concurrency: 1, pollMs: 100, heartbeatMs: 2_000, staleAfterMs: 15_000, sweepMs: 5_000, shutdownTimeoutMs: 5_000, logger: { info: () => {}, warn: (l) => console.warn(l) } });
  runner.start();
  const admin = { id: randomUUID(), email: 'bench@example.com', name: null, role: 'admin' as const };
  const loadBefore = load();
  const started = performance.now();
  const { job } = await startProjectionRebuild({ db, kinds, queue }, admin, 'order-summary', { pageSize: PAGE });
  let lastPrint = 0;
  let phase = 'queued';
  const phases: string[] = [];
  const mark = (next: string) => {
    if (next === phase) return;
    phases.push(`${phase} ${round((performance.now() - started) / 1000, 2)} s`);
    phase = next;
  };
  for (;;) {
    const view = await getJob(db, job.id);
    if (view.state === 'running') mark((view.checkpoint as { phase?: string } | null)?.phase ?? 'cut');
    if (view.state === 'succeeded') {
      mark('done');
      break;
    }
    if (view.state === 'failed' || view.state === 'cancelled') throw new Error(`rebuild ${view.state}: ${view.error}`);
    if (Date.now() - lastPrint > 5_000) {
      lastPrint = Date.now();
      console.log(`  ${round((performance.now() - started) / 1000)} s: ${view.progress.done}/${view.progress.total ?? '?'} events, ${view.progress.ratePerSecond ?? '-'} /s, ETA ${view.progress.etaSeconds ?? '-'} s`);
    }
    await sleep(200);
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`phases (start → end, polled every 200 ms): ${phases.join(' | ')}`);
  const done = await getJob(db, job.id);
  const result = done.result as { eventsFolded: number; rowsWritten: number; missing: number; extra: number; different: number; registryLockMs?: number };
  await runner.stop();
  await queue.stop();
  if (result.missing + result.extra + result.different !== 0) throw new Error(`the rebuilt table differs from the active one: ${JSON.stringify(result)}`);
  const eventsPerS = result.eventsFolded / seconds;
  console.log(`rebuild: ${result.eventsFolded} events → ${result.rowsWritten} rows in ${round(seconds, 2)} s = ${Math.round(eventsPerS)} events/s (diff vs active: 0 rows differ; registry row locked ${result.registryLockMs ?? '?'} ms for it); load average during: ${loadBefore} → ${load()}`);
  const copySeconds = await rawCopy(result.eventsFolded);
  const copyPerS = result.eventsFolded / copySeconds;
  console.log(`raw COPY: ${result.eventsFolded} rows in ${round(copySeconds, 2)} s = ${Math.round(copyPerS)} rows/s`);
  console.log(`target ≥ 25,000 events/s: ${eventsPerS >= 25_000 ? 'met' : `missed by ${Math.round(100 - (eventsPerS / 25_000) * 100)} %`}; load average after: ${load()}`);
  console.log(JSON.stringify({ bench: 'rebuild', events: result.eventsFolded, events_per_s: Math.round(eventsPerS), raw_copy_rows_per_s: Math.round(copyPerS), seconds: round(seconds, 2), rows: result.rowsWritten, registry_lock_ms: result.registryLockMs }));
} finally {
  await db.$disconnect();
  await pool.end();
  await database.drop();
}
