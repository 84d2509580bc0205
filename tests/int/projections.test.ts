// Projections on the real Kafka + PostgreSQL: out-of-order and duplicate
// deliveries for one aggregate converge to the recomputation from the log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { createKafka, ensureTopics } from '@/lib/adapters/kafka/kafka-client';
import { startConsumer, type RunningConsumer } from '@/lib/adapters/kafka/consumer-runtime';
import { createOutboxWriter } from '@/lib/adapters/outbox/outbox-writer';
import { projectionConsumer } from '@/lib/backbone/projection';
import { createOrderEventRegistry, latestVersion, type OrderEvent } from '@/lib/demo/orders/events';
import { customerStatsProjection, customerStatsStore } from '@/lib/demo/projections/customer-stats';
import { orderSummaryProjection, orderSummaryStore } from '@/lib/demo/projections/order-summary';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { assertInvariants, findInvariantViolations } from '../support/invariants';
import { demoProjectionChecks } from '../support/demo-projection-checks';
import { waitFor } from '../support/wait-for';
import { replayTopicOf } from '@/lib/backbone/consumer-definition';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const suffix = randomUUID().slice(0, 8);
const topic = `t-projections-${suffix}`;
const registry = createOrderEventRegistry();

let database: TestDatabase;
let db: Db;
let kafka: Kafka;
const running: RunningConsumer[] = [];
const definitions = [
  projectionConsumer({ ...orderSummaryProjection, name: `order-summary-${suffix}`, topics: [topic] }, orderSummaryStore()),
  projectionConsumer({ ...customerStatsProjection, name: `customer-stats-${suffix}`, topics: [topic] }, customerStatsStore()),
];

function lifecycle(orderId: string, customerId: string, cancelled: boolean): OrderEvent[] {
  const ref = { orderId, customerId };
  const events: OrderEvent[] = [
    { type: 'orders.OrderPlaced', data: { ...ref, amountCents: 2500, currency: 'EUR', channel: 'api' } },
    { type: 'payments.PaymentAuthorized', data: { ...ref, amountCents: 2500, currency: 'EUR', paymentId: randomUUID() } },
  ];
  if (cancelled) events.push({ type: 'orders.OrderCancelled', data: { ...ref, reason: 'customer asked' } });
  else {
    const shipmentId = randomUUID();
    events.push({ type: 'shipping.ShipmentDispatched', data: { ...ref, shipmentId, carrier: 'dhl' } });
    events.push({ type: 'shipping.ShipmentDelivered', data: { ...ref, shipmentId } });
  }
  return events;
}

beforeAll(async () => {
  database = await createTestDatabase('projections');
  db = createDb(database.url, { poolSize: 4 });
  kafka = createKafka({ brokers, clientId: `test-${suffix}` });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [{ topic, partitions: 4 }]);
  await admin.disconnect();
});

afterAll(async () => {
  await Promise.all(running.map((c) => c.stop()));
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic, ...definitions.map((d) => replayTopicOf(d.name))] }).catch(() => undefined);
  await admin.disconnect();
  await db?.$disconnect();
  await database?.drop();
});

describe('projections', () => {
  it('converge to the recomputation from the event log under reordering and duplicates', async () => {
    const writer = createOutboxWriter({ source: '/test', topicFor: () => topic });
    // Write 30 orders' histories to the outbox, one transaction per fact, as the service would.
    for (let n = 0; n < 30; n++) {
      const orderId = randomUUID();
      for (const event of lifecycle(orderId, `c-${n % 7}`, n % 5 === 0)) {
        await db.$transaction((tx) => writer.append(tx, [{ type: event.type, version: latestVersion[event.type], subject: orderId, data: event.data }]));
      }
    }
    const rows = await db.outboxEvent.findMany({ where: { topic }, orderBy: { position: 'asc' } });
    // Deliver each order's events in reverse order, and every third event twice.
    const bySubject = new Map<string, typeof rows>();
    for (const r of rows) bySubject.set(r.subject, [...(bySubject.get(r.subject) ?? []), r]);
    const messages = [...bySubject.values()].flatMap((events) => [...events].reverse()).flatMap((r, i) => {
      const m = { key: r.subject, value: JSON.stringify(r.envelope) };
      return i % 3 === 0 ? [m, m] : [m];
    });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages });
    await producer.disconnect();
    await db.outboxEvent.updateMany({ where: { topic }, data: { publishedAt: new Date() } });

    for (const definition of definitions) {
      running.push(await startConsumer(definition, { db, registry, outbox: writer }, { kafka, groupPrefix: `t-${suffix}` }));
    }
    await waitFor('both projections to apply every event', async () => {
      const applied = await db.projectionCheckpoint.aggregate({ where: { topic }, _sum: { eventsApplied: true } });
      const expected = rows.length + rows.filter((r) => ['orders.OrderPlaced', 'orders.OrderCancelled', 'payments.PaymentAuthorized'].includes(r.type)).length;
      return Number(applied._sum.eventsApplied ?? 0) >= expected;
    }, 60_000);

    const cancelled = await db.orderSummaryV1.count({ where: { status: 'cancelled' } });
    expect(cancelled).toBe(6);
    expect(await db.orderSummaryV1.count({ where: { status: 'delivered' } })).toBe(24);
    await assertInvariants({ db, registry, consumers: definitions, projections: demoProjectionChecks([topic]), topics: [topic] });
  });

  it('the invariant checker notices a drifted row and a missing application', async () => {
    const victim = await db.orderSummaryV1.findFirstOrThrow({ where: { status: 'delivered' } });
    await db.orderSummaryV1.update({ where: { orderId: victim.orderId }, data: { status: 'placed' } });
    const inbox = await db.consumerInbox.findFirstOrThrow({ where: { consumer: definitions[1]!.name } });
    await db.consumerInbox.delete({ where: { consumer_eventId: { consumer: inbox.consumer, eventId: inbox.eventId } } });
    const problems = await findInvariantViolations({ db, registry, consumers: definitions, projections: demoProjectionChecks([topic]), topics: [topic] });
    expect(problems).toContainEqual(expect.stringContaining(`row ${victim.orderId} differs`));
    expect(problems).toContainEqual(expect.stringContaining(`event ${inbox.eventId} applied 0 times`));
  });
});
