// Lost updates in a read model (issue 6): customer_stats is keyed by customer,
// Kafka by order, so one customer's orders sit on every partition. With
// partitions processed concurrently, two transactions that both find no row
// for a NEW customer (FOR UPDATE locks nothing that does not exist) would
// each insert it, and the second would overwrite the first. Many new
// customers, each with orders on several partitions, all delivered at once
// through the real consumer runtime; the table must equal a plain SQL count
// over the outbox (not the projection's own evolve).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { ensureTopics } from '@/lib/adapters/kafka/kafka-client';
import { startConsumer, type RunningConsumer } from '@/lib/adapters/kafka/consumer-runtime';
import { createOutboxWriter } from '@/lib/adapters/outbox/outbox-writer';
import { projectionConsumer } from '@/lib/backbone/projection';
import { replayTopicOf } from '@/lib/backbone/consumer-definition';
import { createOrderEventRegistry } from '@/lib/demo/orders/events';
import { customerStatsProjection, customerStatsStore } from '@/lib/demo/projections/customer-stats';
import type { NewEvent } from '@/lib/domain/events/envelope';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { readAll, testKafka, uniqueName } from '../support/kafka';
import { assertInvariants } from '../support/invariants';
import { customerStatsDrift, demoProjectionChecks } from '../support/demo-projection-checks';
import { customerOrder } from '../support/pipeline';
import { waitFor } from '../support/wait-for';

const PARTITIONS = 8;
const CUSTOMERS = 150;
const ORDERS_PER_CUSTOMER = 8;
const ROUNDS = 3; // each round brings a fresh set of new customers

const registry = createOrderEventRegistry();
const suffix = randomUUID().slice(0, 8);
const topic = uniqueName('concurrent-keys');
const definition = projectionConsumer({ ...customerStatsProjection, name: `customer-stats-${suffix}`, topics: [topic] }, customerStatsStore());

let database: TestDatabase;
let db: Db;
let kafka: Kafka;
let running: RunningConsumer | undefined;

beforeAll(async () => {
  database = await createTestDatabase('projection_concurrent_keys');
  db = createDb(database.url, { poolSize: PARTITIONS + 2 });
  kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  // The replay topic too, and both known to the broker's metadata before the consumer
  // subscribes (a subscription right after creation can fail with UNKNOWN_TOPIC_OR_PARTITION).
  const topics = [topic, replayTopicOf(definition.name)];
  // createTopics' wait for leaders can itself fail that way on a busy broker: ensureTopics is idempotent, so retry it.
  await waitFor('the topics created', () => ensureTopics(admin, [{ topic, partitions: PARTITIONS }, { topic: topics[1]!, partitions: 3 }]).then(() => true), 60_000, 500);
  await waitFor('the topics in the metadata', async () =>
    (await admin.fetchTopicMetadata({ topics })).topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0)), 30_000);
  await admin.disconnect();
});

afterAll(async () => {
  await running?.stop();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic, replayTopicOf(definition.name)] }).catch(() => undefined);
  await admin.disconnect();
  await db?.$disconnect();
  await database?.drop();
});

/** Writes one round of new customers to the outbox and sends it to the topic in one go, keyed by order id as the relay does. */
async function publishRound(round: number): Promise<number> {
  const writer = createOutboxWriter({ source: '/test/concurrent-keys', topicFor: () => topic });
  const events: NewEvent[] = [];
  // Interleaved by order number so every customer's orders are spread over the log (and so over partitions).
  for (let k = 0; k < ORDERS_PER_CUSTOMER; k++) {
    for (let c = 0; c < CUSTOMERS; c++) events.push(...customerOrder(`r${round}-c${c}-${suffix}`, k));
  }
  const envelopes = await db.$transaction((tx) => writer.append(tx, events), { timeout: 60_000 }); // a few thousand rows on a busy machine
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: envelopes.map((e) => ({ key: e.subject, value: JSON.stringify(e) })) });
  await producer.disconnect();
  await db.outboxEvent.updateMany({ where: { topic, publishedAt: null }, data: { publishedAt: new Date() } });
  return envelopes.length;
}

async function finished(): Promise<number> {
  const [inbox, dead] = await Promise.all([
    db.consumerInbox.count({ where: { consumer: definition.name } }),
    db.dlqMessage.count({ where: { consumer: definition.name } }),
  ]);
  return inbox + dead;
}

describe('projection keys written from several partitions at once', () => {
  it('new customers whose orders arrive on every partition concurrently lose no update', async () => {
    running = await startConsumer(definition, { db, registry, outbox: createOutboxWriter({ source: '/test', topicFor: () => topic }) }, {
      kafka,
      groupPrefix: uniqueName('ck'),
      partitionsConsumedConcurrently: PARTITIONS,
    });
    let total = 0;
    for (let round = 0; round < ROUNDS; round++) {
      total += await publishRound(round);
      // Dead letters count as finished too: the invariant below names them.
      await waitFor(`round ${round} applied`, async () => (await finished()) >= total, 120_000);
    }

    // The premise: every customer's events really sat on more than one partition.
    const onTopic = await readAll(topic, { expected: total });
    const customerOf = new Map((await db.outboxEvent.findMany({ where: { topic }, select: { subject: true, envelope: true } }))
      .map((r) => [r.subject, (r.envelope as { data: { customerId: string } }).data.customerId]));
    const partitionsOf = new Map<string, Set<number>>();
    for (const m of onTopic) {
      const customer = customerOf.get(m.key!)!;
      partitionsOf.set(customer, (partitionsOf.get(customer) ?? new Set()).add(m.partition));
    }
    expect(partitionsOf.size).toBe(CUSTOMERS * ROUNDS);
    expect([...partitionsOf.values()].filter((p) => p.size < 2)).toEqual([]);

    // Lost updates proper: rows below what the inbox says this consumer applied.
    const lost = await db.$queryRaw<Array<{ customer_id: string; applied: number; row: number | null }>>`
      SELECT a.customer_id, a.applied, s.orders_placed AS row
      FROM (SELECT o.envelope->'data'->>'customerId' AS customer_id, count(*)::int AS applied
            FROM outbox_events o JOIN consumer_inbox i ON i.event_id = o.event_id AND i.consumer = ${definition.name}
            WHERE o.type = 'orders.OrderPlaced' GROUP BY 1) a
      LEFT JOIN customer_stats_v1 s ON s.customer_id = a.customer_id
      WHERE s.orders_placed IS DISTINCT FROM a.applied ORDER BY 1`;
    expect(lost, `${lost.length} customers have fewer orders_placed than OrderPlaced events the inbox records as applied:\n` +
      lost.slice(0, 10).map((l) => `${l.customer_id}: row ${l.row}, applied ${l.applied}`).join('\n')).toEqual([]);

    const drift = await customerStatsDrift(db, [topic]);
    expect(drift, `${drift.length} of ${CUSTOMERS * ROUNDS} customers differ from the outbox:\n${drift.slice(0, 20).join('\n')}`).toEqual([]);
    await assertInvariants({ db, registry, consumers: [definition], projections: [demoProjectionChecks([topic])[1]!], topics: [topic] });
  }, 300_000);
});
