// DLQ reads at scale (docs/dlq.md; BENCHMARKS.md, "DLQ reads"): the failure-group
// list and the message list with BENCH_DLQ_ROWS dead letters (default 1,000,000).
//
// Seeds a DEDICATED database, signalbox_bench_dlq_<rows>, kept between runs (a later run
// of the same size reuses it and applies pending migrations); BENCH_DLQ_FRESH=1 reseeds,
// BENCH_DLQ_DROP=1 drops it at the end. The seed is set-based (generate_series in chunks
// of 250,000): dlq_messages' secondary indexes are dropped and rebuilt after the load,
// its triggers are off during the load and the cause counts (dlq_causes,
// dlq_cause_consumers, dlq_cause_hours) are then built once with the same GROUP BY as
// the migration's backfill, so they are what the triggers would have kept. 500 causes
// over 6 consumers, 4 event types, 30 days; 5 % open (of every consumer), 2 % discarded, the rest resolved;
// one subject and trace per 4 rows.
//
// Then BENCH_DLQ_RUNS (default 300) reads after 10 warm-ups, cycling through what the
// pages send, in process (HTTP, session and role check not included):
//   group reads — listDlqCauses: first page; by consumer; open only; by error text;
//                 by subject; getDlqCause (a group's page: its row, week trend, messages);
//   list reads  — listDlqMessages: a consumer's open messages; the next page (cursor);
//                 a trace's messages; a group's messages matching an error text.
// Target: p95 ≤ 200 ms for each family; `p95_ms` in the last line is the larger one.
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createDb, type Db } from '../lib/adapters/prisma/client';
import { applyMigrations } from '../lib/tooling/schema-engine';
import { getDlqCause } from '../lib/read/get-dlq-cause';
import { listDlqCauses } from '../lib/read/list-dlq-causes';
import { listDlqMessages } from '../lib/read/list-dlq-messages';
import { createTestDatabase } from '../tests/support/database';
import { percentile, round, urlOf, withClient, log } from './support';

const ROWS = Number(process.env.BENCH_DLQ_ROWS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_DLQ_RUNS ?? 300);
const CAUSES = 500;
const CHUNK = 250_000;
const CONSUMERS = ['payments', 'shipping', 'notifications', 'order-saga', 'order-summary', 'customer-stats'];
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

if (!Number.isInteger(ROWS) || ROWS < 1_000) {
  console.error('BENCH_DLQ_ROWS must be a whole number of at least 1000');
  process.exit(64);
}

const name = `signalbox_bench_dlq_${ROWS}`;
const seededMark = `seeded ${ROWS} dead letters v2`;


async function benchDatabase(): Promise<string> {
  const adminUrl = await urlOf('postgres');
  const comment = await withClient(adminUrl, async (admin) => {
    if (process.env.BENCH_DLQ_FRESH === '1') await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    const { rows } = await admin.query<{ comment: string | null }>(`SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`, [name]);
    return rows[0] ? (rows[0].comment ?? '') : null;
  });
  const url = await urlOf(name);
  if (comment === seededMark) {
    const applied = await applyMigrations({ url, schemaPath: path.join(root, 'prisma', 'schema.prisma'), migrationsDir: path.join(root, 'prisma', 'migrations') });
    log(applied.length ? `reusing ${name}; applied ${applied.join(', ')}` : `reusing ${name} (already seeded)`);
    if (applied.length) await withClient(url, (c) => c.query('ANALYZE'));
    return url;
  }
  await withClient(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  const fresh = await createTestDatabase('bench_dlq_seed');
  const freshName = new URL(fresh.url).pathname.slice(1);
  await withClient(adminUrl, (admin) => admin.query(`ALTER DATABASE ${freshName} RENAME TO ${name}`));
  const t0 = performance.now();
  await withClient(url, seed);
  await withClient(adminUrl, (admin) => admin.query(`COMMENT ON DATABASE ${name} IS '${seededMark}'`));
  log(`seeded ${ROWS} dead letters in ${round((performance.now() - t0) / 1000)} s`);
  return url;
}

async function seed(c: pg.Client): Promise<void> {
  await c.query(`SET maintenance_work_mem = '256MB'`);
  await c.query('SET synchronous_commit = off');
  await c.query('ALTER TABLE dlq_messages SET UNLOGGED');
  const { rows: indexes } = await c.query<{ name: string; def: string }>(
    `SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'dlq_messages'
       AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u', 'f'))`);
  for (const i of indexes) await c.query(`DROP INDEX ${i.name}`);
  await c.query('ALTER TABLE dlq_messages DISABLE TRIGGER USER');
  const consumers = `(ARRAY[${CONSUMERS.map((x) => `'${x}'`).join(',')}])`;
  for (let from = 0; from < ROWS; from += CHUNK) {
    const to = Math.min(ROWS, from + CHUNK) - 1;
    // Cause k of row i is skewed (a few causes hold most rows, as in real failures).
    await c.query(`
      INSERT INTO dlq_messages (id, consumer, topic, partition, "offset", headers, payload, payload_size, event_id, event_type, event_version, subject, trace_id,
                                error_class, error_code, error_message, error_stack, fingerprint, attempts, attempt_count, first_failed_at, last_failed_at,
                                status, status_changed_at, cause_key)
      SELECT md5('d' || i)::uuid, ${consumers}[i % 6 + 1], 'orders.lifecycle.v1', i % 6, i, '[]'::jsonb,
             convert_to('{"id":"' || md5('e' || i)::uuid || '","data":{"n":' || i || '}}', 'UTF8'), 60,
             md5('e' || i)::uuid, (ARRAY['orders.OrderPlaced','payments.PaymentAuthorized','shipping.ShipmentDispatched','shipping.ShipmentDelivered'])[i % 4 + 1], 1,
             md5('s' || (i / 4))::uuid::text, md5('t' || (i / 4)),
             'AppError', 'permanent',
             'Seeded failure ' || chr(65 + k % 26) || chr(65 + (k / 26) % 26) || ' for order ' || md5('s' || (i / 4))::uuid,
             'AppError: seeded\n    at handle (/app/lib/demo/consumers/seed.ts:1:1)', 'f' || k, '[]'::jsonb, 1,
             at, at,
             CASE WHEN (i / 6) % 20 = 0 THEN 'open'::"DlqStatus" WHEN (i / 6) % 50 = 1 THEN 'discarded' ELSE 'resolved' END, at,
             left(md5('cause' || k), 24)
        FROM generate_series(${from}, ${to}) AS i
        CROSS JOIN LATERAL (SELECT (floor(${CAUSES} * power((hashint4(i) & 2147483647)::float8 / 2147483648, 3)))::int AS k,
                                   now() - make_interval(secs => (${ROWS} - i)::float8 * 30 * 86400 / ${ROWS}) AS at) x`);
    log(`  ${to + 1} / ${ROWS} dead letters`);
  }
  await c.query('ALTER TABLE dlq_messages ENABLE TRIGGER USER');
  log('  rebuilding indexes');
  for (const i of indexes) await c.query(i.def);
  log('  cause counts (the backfill GROUP BY)');
  await c.query('TRUNCATE dlq_causes, dlq_cause_consumers, dlq_cause_hours');
  await c.query(`
    INSERT INTO dlq_causes (cause_key, error_class, message, frame, first_seen_at, last_seen_at, open_count, total_count, event_types)
    SELECT cause_key, left(min(error_class), 200), signalbox_dlq_normalise(min(error_message)), signalbox_dlq_frame(min(error_stack)),
           min(first_failed_at), max(last_failed_at), count(*) FILTER (WHERE status IN ('open', 'replaying')), count(*),
           coalesce(array_agg(DISTINCT event_type) FILTER (WHERE event_type IS NOT NULL), ARRAY[]::text[])
      FROM dlq_messages GROUP BY cause_key`);
  await c.query(`
    INSERT INTO dlq_cause_consumers (cause_key, consumer, open_count, total_count, last_seen_at)
    SELECT cause_key, consumer, count(*) FILTER (WHERE status IN ('open', 'replaying')), count(*), max(last_failed_at) FROM dlq_messages GROUP BY cause_key, consumer`);
  await c.query(`
    INSERT INTO dlq_cause_hours (cause_key, hour, failures)
    SELECT cause_key, date_trunc('hour', first_failed_at), count(*) FROM dlq_messages GROUP BY cause_key, date_trunc('hour', first_failed_at)`);
  log('  VACUUM ANALYZE');
  for (const t of ['dlq_messages', 'dlq_causes', 'dlq_cause_consumers', 'dlq_cause_hours']) await c.query(`VACUUM (ANALYZE) ${t}`);
}

type Pick = { cause: string; consumer: string; subject: string; traceId: string; letters: string; cursor?: string };
/** `prepare` runs before the clock starts (e.g. the first page, for the next page's cursor). */
type Read = { family: 'group' | 'list'; name: string; prepare?: (db: Db, pick: Pick) => Promise<Pick>; run: (db: Db, pick: Pick) => Promise<unknown> };

const reads: Read[] = [
  { family: 'group', name: 'groups: first page', run: (db) => listDlqCauses(db, {}, new Date()) },
  { family: 'group', name: 'groups: by consumer', run: (db, p) => listDlqCauses(db, { consumer: p.consumer }, new Date()) },
  { family: 'group', name: 'groups: open only', run: (db) => listDlqCauses(db, { status: 'open' }, new Date()) },
  { family: 'group', name: 'groups: error text', run: (db, p) => listDlqCauses(db, { q: `failure ${p.letters}` }, new Date()) },
  { family: 'group', name: 'groups: subject', run: (db, p) => listDlqCauses(db, { subject: p.subject }, new Date()) },
  { family: 'group', name: 'group page', run: (db, p) => getDlqCause(db, p.cause, {}, new Date()) },
  { family: 'list', name: 'list: consumer open', run: (db, p) => listDlqMessages(db, { consumer: p.consumer, status: 'open' }) },
  {
    family: 'list', name: 'list: next page',
    prepare: async (db, p) => ({ ...p, cursor: (await listDlqMessages(db, { consumer: p.consumer })).nextCursor ?? undefined }),
    run: (db, p) => listDlqMessages(db, { consumer: p.consumer, cursor: p.cursor }),
  },
  { family: 'list', name: 'list: trace', run: (db, p) => listDlqMessages(db, { traceId: p.traceId }) },
  { family: 'list', name: 'list: group + error text', run: (db, p) => listDlqMessages(db, { cause: p.cause, q: 'seeded' }) },
];

const load0 = loadavg();
const url = await benchDatabase();
const db = createDb(url, { poolSize: 4 });
try {
  const pick = async (): Promise<Pick> => {
    const i = Math.floor(Math.random() * ROWS);
    const [row] = await db.$queryRawUnsafe<{ cause_key: string; consumer: string; subject: string; trace_id: string }[]>(
      `SELECT cause_key, consumer, subject, trace_id FROM dlq_messages WHERE id = md5('d' || $1::int)::uuid`, i);
    const k = Math.floor(Math.random() * 26 * 26);
    return { cause: row!.cause_key, consumer: row!.consumer, subject: row!.subject, traceId: row!.trace_id, letters: String.fromCharCode(65 + (k % 26), 65 + Math.floor(k / 26)) };
  };
  const times = new Map<string, number[]>();
  const family = { group: [] as number[], list: [] as number[] };
  const loadStart = loadavg();
  for (let n = 0; n < RUNS + 10; n++) {
    const read = reads[n % reads.length]!;
    const picked = await pick();
    const p = read.prepare ? await read.prepare(db, picked) : picked;
    const t0 = performance.now();
    JSON.stringify(await read.run(db, p));
    const ms = performance.now() - t0;
    if (n < 10) continue;
    times.set(read.name, [...(times.get(read.name) ?? []), ms]);
    family[read.family].push(ms);
  }
  const loadEnd = loadavg();
  for (const xs of [...times.values(), family.group, family.list]) xs.sort((a, b) => a - b);
  console.log(`load average: ${load0.map((x) => round(x, 1)).join(' ')} before seeding/reuse, ${loadStart.map((x) => round(x, 1)).join(' ')} at the first read, ${loadEnd.map((x) => round(x, 1)).join(' ')} at the last`);
  for (const [readName, xs] of times) console.log(`${readName.padEnd(28)} p50 ${round(percentile(xs, 50), 1)} ms, p95 ${round(percentile(xs, 95), 1)} ms, max ${round(xs.at(-1)!, 1)} ms (${xs.length})`);
  const groupP95 = round(percentile(family.group, 95), 1);
  const listP95 = round(percentile(family.list, 95), 1);
  console.log(`group reads p95 ${groupP95} ms, list reads p95 ${listP95} ms over ${RUNS} reads (target 200 ms)`);
  console.log(JSON.stringify({ bench: 'dlq', rows: ROWS, p95_ms: Math.max(groupP95, listP95), group_p95_ms: groupP95, list_p95_ms: listP95 }));
} finally {
  await db.$disconnect();
  if (process.env.BENCH_DLQ_DROP === '1') await withClient(await urlOf('postgres'), (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}
