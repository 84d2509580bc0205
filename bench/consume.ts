// Consumer + projection apply with dedup, against plain kafkajs consume on the
// same payloads. 12 partitions, 256 B – 1 KB envelopes, durable commits.
import { createDb } from '../lib/adapters/prisma/client';
import { startConsumer } from '../lib/adapters/kafka/consumer-runtime';
import { createOutboxWriter } from '../lib/adapters/outbox/outbox-writer';
import { projectionConsumer } from '../lib/backbone/projection';
import { buildEnvelope } from '../lib/domain/events/envelope';
import { createOrderEventRegistry } from '../lib/demo/orders/events';
import { orderSummaryProjection, orderSummaryStore } from '../lib/demo/projections/order-summary';
import { createTestDatabase } from '../tests/support/database';
import { benchEvent, createBenchTopic, round } from './support';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 60_000);

const database = await createTestDatabase('bench_consume');
const db = createDb(database.url, { poolSize: 8 });
const { kafka, topic, cleanup } = await createBenchTopic('consume');
const name = `bench-summary-${topic.slice(-8)}`;
try {
  const syncCommit = (await db.$queryRawUnsafe<Array<{ synchronous_commit: string }>>('SHOW synchronous_commit'))[0]!.synchronous_commit;

  // Produce the events once; both consumers read the same bytes.
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  let bytes = 0;
  for (let start = 0; start < EVENTS; start += 2_000) {
    const messages = Array.from({ length: Math.min(2_000, EVENTS - start) }, (_, i) => {
      const e = benchEvent(start + i);
      const env = buildEnvelope(e, { id: crypto.randomUUID(), time: new Date(), source: '/bench', traceId: 'ab'.repeat(16), traceparent: `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01` });
      const value = JSON.stringify(env);
      bytes += value.length;
      return { key: e.subject, value };
    });
    await producer.send({ topic, acks: -1, messages });
  }
  await producer.disconnect();
  console.log(`produced ${EVENTS} events to ${topic} (12 partitions), mean ${Math.round(bytes / EVENTS)} B, synchronous_commit=${syncCommit}`);

  // Raw baseline: plain kafkajs consumer group, counting messages.
  const raw = kafka.consumer({ groupId: `${name}-raw`, maxBytesPerPartition: 2 * 1024 * 1024 });
  await raw.connect();
  await raw.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  let rawStart = 0;
  const rawDone = new Promise<number>((resolve) => {
    void raw.run({
      eachBatch: async ({ batch }) => {
        if (!rawStart) rawStart = performance.now();
        seen += batch.messages.length;
        if (seen >= EVENTS) resolve(performance.now());
      },
    });
  });
  const rawEnd = await rawDone;
  await raw.disconnect();
  const rawRate = EVENTS / ((rawEnd - rawStart) / 1000);
  console.log(`raw kafkajs consume: ${round(rawRate, 0)} events/s`);

  // Signalbox: decode + inbox dedup + projection evolve + checkpoint, one transaction per batch.
  const definition = projectionConsumer({ ...orderSummaryProjection, name, topics: [topic] }, orderSummaryStore());
  const started = performance.now();
  let firstAt = 0;
  const consumer = await startConsumer(definition, { db, registry: createOrderEventRegistry(), outbox: createOutboxWriter({ source: '/bench', topicFor: () => topic }) }, { kafka, groupPrefix: 'bench', partitionsConsumedConcurrently: Number(process.env.BENCH_CONCURRENCY ?? 3) });
  for (;;) {
    const rows = await db.$queryRawUnsafe<Array<{ n: bigint }>>(`SELECT COALESCE(SUM(events_applied), 0)::bigint AS n FROM projection_checkpoints WHERE projection = $1`, name);
    const n = Number(rows[0]!.n);
    if (n > 0 && !firstAt) firstAt = performance.now();
    if (n >= EVENTS) break;
    if (performance.now() - started > 150_000) throw new Error(`only ${n} of ${EVENTS} applied in 150 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const elapsed = (performance.now() - (firstAt || started)) / 1000;
  await consumer.stop();
  const rate = EVENTS / elapsed;
  const summaryRows = await db.orderSummaryV1.count();
  console.log(`signalbox consume (projection + dedup): ${round(rate, 0)} events/s over ${round(elapsed, 2)} s; ${summaryRows} read-model rows`);
  console.log(`ratio to raw kafkajs: ${round(rate / rawRate, 3)}`);
  console.log(JSON.stringify({ bench: 'consume', events_per_s: Math.round(rate), raw_events_per_s: Math.round(rawRate), events: EVENTS, partitions: 12, synchronous_commit: syncCommit }));
} finally {
  await cleanup([`signalbox.replay.${name}.v1`]);
  await db.$disconnect();
  await database.drop();
}

