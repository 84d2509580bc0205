// The invariant checker checked (issue 6, item 7): a clean run through the real
// consumer runtime passes it; an event applied twice behind the inbox's back
// (a second effect row, a projection row evolved twice) fails it; and the
// customer_stats recomputation written without the projection's evolve catches
// a bug in evolve that a recomputation BY evolve cannot see.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { startConsumer, type RunningConsumer } from '@/lib/adapters/kafka/consumer-runtime';
import { createOutboxWriter } from '@/lib/adapters/outbox/outbox-writer';
import type { PrismaTx } from '@/lib/adapters/prisma/processor-ports';
import { prismaEventLog } from '@/lib/adapters/prisma/event-log';
import { replayTopicOf, type ConsumerDefinition } from '@/lib/backbone/consumer-definition';
import { projectionConsumer, type ProjectionDefinition } from '@/lib/backbone/projection';
import { readEventLog } from '@/lib/backbone/recompute-projection';
import { createOrderEventRegistry } from '@/lib/demo/orders/events';
import {
  customerStatsHandles, customerStatsProjection, customerStatsStore, type CustomerStatsEvent, type CustomerStatsRow,
} from '@/lib/demo/projections/customer-stats';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTestTopic, testKafka, uniqueName, type TestTopic } from '../support/kafka';
import { effectRowsPerEvent, findInvariantViolations, type EffectCount, type InvariantOptions, type ProjectionCheck } from '../support/invariants';
import { customerStatsDrift, demoProjectionChecks } from '../support/demo-projection-checks';
import { orderHistory, pipelineConsumers } from '../support/pipeline';
import { waitFor } from '../support/wait-for';

const registry = createOrderEventRegistry();
const ACK = 'test.OrderAcknowledged';

let database: TestDatabase;
let db: Db;
let kafka: Kafka;
let topic: TestTopic;
const ackTopic = uniqueName('acks'); // only written to the outbox, never published or read
const running: RunningConsumer[] = [];

// An effect consumer whose effect rows can be duplicated (notifications have a unique
// event id): one follow-up fact in the outbox per OrderPlaced, caused by it.
const acks: ConsumerDefinition<PrismaTx> = {
  name: 'acks',
  topics: [],
  handles: ['orders.OrderPlaced'],
  async handle(event, ctx) {
    await ctx.emit([{ type: ACK, version: 1, subject: event.subject, data: { orderId: event.subject } }]);
  },
};
const acksPerEvent: EffectCount = {
  consumer: 'acks',
  async countByEvent(d) {
    const rows = await d.$queryRaw<Array<{ event_id: string; n: number }>>`
      SELECT causation_id::text AS event_id, count(*)::int AS n FROM outbox_events WHERE type = ${ACK} GROUP BY 1`;
    return new Map(rows.map((r) => [r.event_id, r.n]));
  },
};

let consumers: ConsumerDefinition<PrismaTx>[];
let options: InvariantOptions;

beforeAll(async () => {
  database = await createTestDatabase('invariants_self_test');
  db = createDb(database.url, { poolSize: 6 });
  kafka = testKafka();
  topic = await createTestTopic(3, 'invariants');
  consumers = [...pipelineConsumers(topic.topic), { ...acks, topics: [topic.topic] }];
  options = {
    db, registry, consumers, topics: [topic.topic],
    projections: demoProjectionChecks([topic.topic]),
    effects: [effectRowsPerEvent('effects', 'notifications'), acksPerEvent],
  };
});

afterAll(async () => {
  await Promise.all(running.map((c) => c.stop()));
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: consumers.map((c) => replayTopicOf(c.name)) }).catch(() => undefined);
  await admin.disconnect();
  await topic?.cleanup();
  await db?.$disconnect();
  await database?.drop();
});

/** The topic's customer_stats events from the log, decoded (so checked against their schemas) as the consumers saw them. */
async function statsEvents(types: readonly string[] = customerStatsHandles): Promise<CustomerStatsEvent[]> {
  const events: CustomerStatsEvent[] = [];
  for await (const { event } of readEventLog(prismaEventLog(db), registry, { types, topics: [topic.topic] })) events.push(event as CustomerStatsEvent);
  return events;
}

/** An OrderPlaced event every consumer has applied. */
async function appliedOrderPlaced(): Promise<CustomerStatsEvent> {
  const [event] = await statsEvents(['orders.OrderPlaced']);
  if (!event) throw new Error('no OrderPlaced in the log');
  return event;
}

describe('the invariant checker', () => {
  it('passes a clean run through the real consumer runtime', async () => {
    const writer = createOutboxWriter({ source: '/test/invariants', topicFor: (type) => (type === ACK ? ackTopic : topic.topic) });
    for (let n = 0; n < 40; n++) await db.$transaction((tx) => writer.append(tx, orderHistory(n)));
    const rows = await db.outboxEvent.findMany({ where: { topic: topic.topic }, orderBy: { position: 'asc' } });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({ topic: topic.topic, acks: -1, messages: rows.map((r) => ({ key: r.subject, value: JSON.stringify(r.envelope) })) });
    await producer.disconnect();
    await db.outboxEvent.updateMany({ where: { topic: topic.topic }, data: { publishedAt: new Date() } });

    for (const definition of consumers) {
      running.push(await startConsumer(definition, { db, registry, outbox: writer }, { kafka, groupPrefix: uniqueName('inv'), partitionsConsumedConcurrently: 3 }));
    }
    const expected = consumers.reduce((sum, c) => sum + rows.filter((r) => c.handles.includes(r.type as never)).length, 0);
    await waitFor('every consumer to apply every event', async () => (await db.consumerInbox.count()) >= expected, 60_000);

    expect(await db.outboxEvent.count({ where: { type: ACK } })).toBe(40);
    expect(await findInvariantViolations(options)).toEqual([]);
  });

  it('fails when an effect row is written a second time behind the inbox', async () => {
    const event = await appliedOrderPlaced();
    const writer = createOutboxWriter({ source: '/test/invariants', topicFor: () => ackTopic });
    const [extra] = await db.$transaction((tx) => writer.append(tx, [{ type: ACK, version: 1, subject: event.subject, data: { orderId: event.subject }, causationId: event.id }]));
    try {
      // Inbox and attempt log still say "once": only the effect count can tell.
      expect(await findInvariantViolations({ ...options, effects: [] })).toEqual([]);
      expect(await findInvariantViolations(options)).toEqual([`acks: event ${event.id} has 2 effect rows`]);
    } finally {
      await db.outboxEvent.delete({ where: { eventId: extra!.id } });
    }
    expect(await findInvariantViolations(options)).toEqual([]);
  });

  it('fails when a projection applies an event a second time behind the inbox', async () => {
    const event = await appliedOrderPlaced();
    const customer = event.data.customerId;
    const before = await db.customerStatsV1.findUniqueOrThrow({ where: { customerId: customer } });
    // The projection's real apply path, without the inbox claim the processor makes first.
    const stats = projectionConsumer({ ...customerStatsProjection, topics: [topic.topic] }, customerStatsStore());
    await db.$transaction((tx) => stats.handleBatch!([{ event, message: { topic: topic.topic, partition: 0, offset: '0' } }], { tx, consumer: stats.name, emitFor: () => {} }));
    try {
      const problems = await findInvariantViolations(options);
      expect(problems).toContainEqual(expect.stringMatching(new RegExp(`^customer-stats: row ${customer} differs: \\{"ordersPlaced":${before.ordersPlaced + 1},`)));
      expect(problems).toContainEqual(
        expect.stringContaining(`customer-stats (independent recomputation): customer_stats_v1: customer ${customer} is {"ordersPlaced":${before.ordersPlaced + 1},`),
      );
    } finally {
      await db.customerStatsV1.update({ where: { customerId: customer }, data: before });
    }
    expect(await findInvariantViolations(options)).toEqual([]);
  });

  it('the recomputation without evolve catches a bug in evolve that the recomputation by evolve cannot', async () => {
    // A projection whose evolve counts every order twice, run over the whole log into its own table.
    await db.$executeRawUnsafe('CREATE TABLE customer_stats_buggy (LIKE customer_stats_v1 INCLUDING ALL)');
    const buggy: ProjectionDefinition<CustomerStatsRow, CustomerStatsEvent> = {
      ...customerStatsProjection,
      topics: [topic.topic],
      evolve: (row, event) => {
        const next = customerStatsProjection.evolve(row, event);
        return next && event.type === 'orders.OrderPlaced' ? { ...next, ordersPlaced: next.ordersPlaced + 1 } : next;
      },
    };
    const consumer = projectionConsumer(buggy, customerStatsStore('customer_stats_buggy'));
    const events = await statsEvents();
    await db.$transaction((tx) => consumer.handleBatch!(events.map((event) => ({ event, message: { topic: topic.topic, partition: 0, offset: '0' } })), { tx, consumer: 'buggy', emitFor: () => {} }));

    const check = demoProjectionChecks([topic.topic], { orderSummary: 'order_summary_v1', customerStats: 'customer_stats_buggy' })[1] as ProjectionCheck<CustomerStatsRow>;
    const byEvolve = { ...check, definition: buggy, independent: undefined } as ProjectionCheck<unknown>;
    expect(await findInvariantViolations({ db, registry, consumers: [], topics: [topic.topic], projections: [byEvolve] })).toEqual([]);

    const problems = await findInvariantViolations({ db, registry, consumers: [], topics: [topic.topic], projections: [{ ...byEvolve, independent: check.independent }] });
    const customers = (await customerStatsDrift(db, [topic.topic])).length; // the real table is right
    expect(customers).toBe(0);
    expect(problems.length).toBe(await db.$queryRaw<Array<{ n: number }>>`SELECT count(*)::int AS n FROM customer_stats_buggy`.then((r) => r[0]!.n));
    for (const p of problems) expect(p).toMatch(/^customer-stats \(independent recomputation\): customer_stats_buggy: customer \S+ is \{"ordersPlaced":\d+/);
  });
});
