// DLQ replay throughput (docs/dlq.md; BENCHMARKS.md, "DLQ replay"): BENCH_REPLAY_MESSAGES
// dead letters (default 100,000) replayed at BENCH_REPLAY_RATE per second (default 1,000,
// the cap set to the same) by the real `dlq.replay` job (job runner + pg-boss in this
// process) through the consumer's replay topic on the broker, applied by a real consumer
// (startConsumer, its inbox and the DLQ resolve in its transaction).
//
// A fresh database per run. The dead letters are seeded set-based (valid OrderPlaced
// envelopes, 4 per subject, 12 partitions), then the replay starts through the use case
// (typed confirmation; approval is off by its threshold). Figures:
//   seconds         — from the replay request to the last row resolved (target ≤ 105 s);
//   duplicates      — effects beyond one per event (the handler writes one row per call
//                     into a table with no unique key; target 0), plus rows not resolved;
//   rate_error_pct  — the job's sending rate (messages / time between the first and last
//                     batch marked, from the rows' replay history) against the target.
import { loadavg } from 'node:os';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createDb } from '../lib/adapters/prisma/client';
import { createKafka, ensureTopics } from '../lib/adapters/kafka/kafka-client';
import { startConsumer } from '../lib/adapters/kafka/consumer-runtime';
import { createOutboxWriter } from '../lib/adapters/outbox/outbox-writer';
import type { PrismaTx } from '../lib/adapters/prisma/processor-ports';
import { replayTopicOf, type ConsumerDefinition } from '../lib/backbone/consumer-definition';
import { replayDlqMessages } from '../lib/app/replay-dlq-messages';
import { createOrderEventRegistry } from '../lib/demo/orders/events';
import type { SessionUser } from '../lib/domain/session-user';
import { createJobKindRegistry } from '../lib/jobs/job-kind';
import { startJobQueue } from '../lib/jobs/job-queue';
import { createJobRunner } from '../lib/jobs/job-runner';
import { createDlqReplayJob } from '../lib/jobs/kinds/dlq-replay';
import { getJob } from '../lib/read/get-job';
import { createTestDatabase } from '../tests/support/database';
import { brokers, round, log } from './support';

const MESSAGES = Number(process.env.BENCH_REPLAY_MESSAGES ?? 100_000);
const RATE = Number(process.env.BENCH_REPLAY_RATE ?? 1_000);
const PARTITIONS = 12;
const suffix = randomUUID().slice(0, 8);
const topic = `bench-replay-${suffix}`;
const consumerName = `bench-replay-${suffix}`;
const admin: SessionUser = { id: randomUUID(), email: 'bench@example.com', name: 'Bench', role: 'admin' };

if (!Number.isInteger(MESSAGES) || MESSAGES < 100 || !Number.isInteger(RATE) || RATE < 1 || RATE > 2_000) {
  console.error('BENCH_REPLAY_MESSAGES must be ≥ 100, BENCH_REPLAY_RATE 1..2000');
  process.exit(64);
}

const load0 = loadavg();
const database = await createTestDatabase('bench_replay');
const db = createDb(database.url, { poolSize: 12 });
const kafka = createKafka({ brokers, clientId: `bench-replay-${suffix}` });
const kafkaAdmin = kafka.admin();
await kafkaAdmin.connect();
await ensureTopics(kafkaAdmin, [{ topic, partitions: PARTITIONS }, { topic: replayTopicOf(consumerName), partitions: PARTITIONS }]);
const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
await producer.connect();

const consumer: ConsumerDefinition<PrismaTx> = {
  name: consumerName,
  topics: [topic],
  handles: ['orders.OrderPlaced'],
  // One row per application, no unique key: a second application of an event would show.
  handle: async (event, ctx) => {
    await ctx.tx.$executeRawUnsafe('INSERT INTO bench_effects (event_id) VALUES ($1::uuid)', event.id);
  },
  // The fast path a high-volume consumer has: a run applied in one statement (same effect as handle per event).
  handleBatch: async (items, ctx) => {
    if (items.length) await ctx.tx.$executeRawUnsafe('INSERT INTO bench_effects (event_id) SELECT unnest($1::uuid[])', items.map((i) => i.event.id));
  },
};

const replayKind = createDlqReplayJob(async () => ({ db, producer }));
const kinds = createJobKindRegistry([replayKind]);
let stop = async () => {};
try {
  log(`seeding ${MESSAGES} dead letters`);
  await db.$executeRawUnsafe('CREATE TABLE bench_effects (event_id uuid NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())');
  await db.$executeRawUnsafe(`CREATE FUNCTION bench_uuid(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-8' || substr(h, 18, 3) || '-' || substr(h, 21, 12) FROM md5(t) AS h $$`);
  // Set-based: the per-row cause triggers are off during the load (100,000 updates of one
  // cause row in one transaction would dominate) and the counts are built once after.
  await db.$executeRawUnsafe('ALTER TABLE dlq_messages DISABLE TRIGGER USER');
  await db.$executeRawUnsafe(`
    INSERT INTO dlq_messages (id, cause_key, consumer, topic, partition, "offset", key, headers, payload, payload_size, event_id, event_type, event_version, subject, trace_id,
                              error_class, error_code, error_message, fingerprint, attempts, attempt_count, first_failed_at, last_failed_at, status)
    SELECT gen_random_uuid(), signalbox_dlq_cause_key('AppError', 'bench: carrier refused the parcel', NULL), $1, $2, (i / 4) % ${PARTITIONS}, i, convert_to(s, 'UTF8'), '[]'::jsonb, convert_to(env::text, 'UTF8'), octet_length(env::text),
           bench_uuid('e' || i)::uuid, 'orders.OrderPlaced', 2, s, md5('t' || i / 4),
           'AppError', 'permanent', 'bench: carrier refused the parcel', 'bench', '[]'::jsonb, 1, now(), now(), 'open'
      FROM generate_series(0, ${MESSAGES - 1}) AS i
      CROSS JOIN LATERAL (SELECT bench_uuid('s' || i / 4) AS s) k
      CROSS JOIN LATERAL (SELECT json_build_object('specversion', '1.0', 'id', bench_uuid('e' || i), 'type', 'orders.OrderPlaced', 'version', 2,
                                'time', to_char(now() AT TIME ZONE 'utc', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 'source', '/bench', 'subject', s,
                                'datacontenttype', 'application/json', 'trace_id', md5('t' || i / 4),
                                'data', json_build_object('orderId', s, 'customerId', 'c-' || i % 500, 'amountCents', 100 + i % 1000, 'currency', 'EUR', 'channel', 'api')) AS env) e`,
    consumerName, topic);
  await db.$executeRawUnsafe('ALTER TABLE dlq_messages ENABLE TRIGGER USER');
  await db.$executeRawUnsafe(`
    INSERT INTO dlq_causes (cause_key, error_class, message, frame, first_seen_at, last_seen_at, open_count, total_count, event_types)
    SELECT cause_key, 'AppError', 'bench: carrier refused the parcel', '', min(first_failed_at), max(last_failed_at), count(*), count(*), ARRAY['orders.OrderPlaced'] FROM dlq_messages GROUP BY cause_key`);
  await db.$executeRawUnsafe(`
    INSERT INTO dlq_cause_consumers (cause_key, consumer, open_count, total_count, last_seen_at)
    SELECT cause_key, consumer, count(*), count(*), max(last_failed_at) FROM dlq_messages GROUP BY cause_key, consumer`);
  await db.$executeRawUnsafe('ANALYZE dlq_messages');
  const cause = (await db.dlqMessage.findFirstOrThrow({ where: { consumer: consumerName } })).causeKey!;

  const running = await startConsumer(
    consumer,
    { db, registry: createOrderEventRegistry(), outbox: createOutboxWriter({ source: '/bench', topicFor: () => topic }), log: () => {} },
    { kafka, groupPrefix: `bench-${suffix}`, fromBeginning: true, replayTopicPartitions: PARTITIONS, partitionsConsumedConcurrently: 4 },
  );
  const queue = await startJobQueue({ databaseUrl: database.url, maintain: false });
  const runner = createJobRunner({ db, queue, kinds, concurrency: 1, shutdownTimeoutMs: 5_000, pollMs: 100, heartbeatMs: 1_000, staleAfterMs: 10_000, sweepMs: 1_000, logger: { info: () => {}, warn: (l) => log(l) } });
  runner.start();
  stop = async () => {
    await runner.stop();
    await queue.stop();
    await running.stop();
  };
  const limits = { confirmOver: 100, approvalOver: 10_000_000, rateCap: 2_000, canary: 10, maxInFlight: 1_000_000, canaryTimeoutMs: 60_000, actionsPerMinute: 1_000 };
  await db.dlqSetting.create({ data: { id: 1, rateCap: RATE, updatedBy: admin.email } });

  const loadStart = loadavg();
  const t0 = performance.now();
  const { jobs } = await replayDlqMessages({ db, kinds, queue, limits, now: () => new Date() }, admin, {
    selection: { by: 'cause', cause }, ratePerSecond: RATE, confirm: `replay ${MESSAGES}`,
  });
  const jobId = jobs[0]!.job.id;
  let lastLog = 0;
  for (;;) {
    const open = await db.dlqMessage.count({ where: { consumer: consumerName, status: { not: 'resolved' } } });
    const job = await getJob(db, jobId);
    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now();
      log(`  ${job.state}: sent ${job.progress.done} / ${job.progress.total}, ${MESSAGES - open} resolved`);
    }
    if (open === 0) break;
    if (['failed', 'cancelled'].includes(job.state)) throw new Error(`replay job ${job.state}: ${job.error}`);
    if (performance.now() - t0 > 600_000) throw new Error('gave up after 600 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  const seconds = (performance.now() - t0) / 1000;
  const loadEnd = loadavg();
  const [effects] = await db.$queryRawUnsafe<{ total: bigint; distinct: bigint }[]>('SELECT count(*) AS total, count(DISTINCT event_id) AS distinct FROM bench_effects');
  const [span] = await db.$queryRawUnsafe<{ first: Date; last: Date }[]>(
    `SELECT min((r->>'at')::timestamptz) AS first, max((r->>'at')::timestamptz) AS last FROM dlq_messages, jsonb_array_elements(replays) r WHERE consumer = $1`, consumerName);
  const duplicates = Number(effects!.total - effects!.distinct);
  const missing = MESSAGES - Number(effects!.distinct);
  const sendSeconds = (span!.last.getTime() - span!.first.getTime()) / 1000;
  // Batches marked over the span: the rate is (messages − the last batch) / span (the last batch is marked at the span's end).
  const sendRate = (MESSAGES - Math.min(1_000, Math.ceil(RATE / 2))) / sendSeconds;
  const rateErrorPct = round(((sendRate - RATE) / RATE) * 100, 2);
  console.log(`load average: ${load0.map((x) => round(x, 1)).join(' ')} at start, ${loadStart.map((x) => round(x, 1)).join(' ')} at the request, ${loadEnd.map((x) => round(x, 1)).join(' ')} at the end`);
  console.log(`${MESSAGES} messages replayed and resolved in ${round(seconds, 1)} s (target ≤ ${round(MESSAGES / RATE * 1.05, 1)} s); sending took ${round(sendSeconds, 1)} s at ${round(sendRate, 1)}/s (target ${RATE}/s, error ${rateErrorPct} %)`);
  console.log(`effects: ${effects!.total} for ${effects!.distinct} events (duplicates ${duplicates}, missing ${missing})`);
  console.log(JSON.stringify({ bench: 'replay', messages: MESSAGES, seconds: round(seconds, 1), duplicates: duplicates + missing, rate_error_pct: rateErrorPct }));
} finally {
  await stop().catch(() => undefined);
  await producer.disconnect().catch(() => undefined);
  await kafkaAdmin.deleteTopics({ topics: [topic, replayTopicOf(consumerName)] }).catch(() => undefined);
  await kafkaAdmin.disconnect().catch(() => undefined);
  await db.$disconnect();
  await database.drop();
}
