// A real order flow through Kafka and the demo consumers (their own topic, groups and
// names), with a failure that is retried, a dead letter, its replay, and a consumer
// that is not running (behind per its lag sample): the timeline read must tell the
// steps in order, the causation tree and why each missing step is missing. The header
// search must find the flow from the order id, a DLQ id and a traceparent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Kafka, Producer } from 'kafkajs';
import { v7 as uuidv7 } from 'uuid';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { ensureTopics } from '@/lib/adapters/kafka/kafka-client';
import { startConsumer, type RunningConsumer } from '@/lib/adapters/kafka/consumer-runtime';
import { createOutboxWriter } from '@/lib/adapters/outbox/outbox-writer';
import { createRelay, type Relay } from '@/lib/adapters/outbox/relay';
import { insertLagSamples } from '@/lib/adapters/prisma/samples-store';
import { projectionConsumer } from '@/lib/backbone/projection';
import { replayTopicOf } from '@/lib/backbone/consumer-definition';
import { AppError } from '@/lib/errors';
import { demoConsumers, type FaultInjector } from '@/lib/demo/consumers';
import { executeOrderCommand } from '@/lib/demo/orders/commands';
import { createOrderEventRegistry } from '@/lib/demo/orders/events';
import { orderSummaryProjection, orderSummaryStore } from '@/lib/demo/projections/order-summary';
import { findFlows } from '@/lib/read/find-flows';
import { getTraceTimeline } from '@/lib/read/get-trace-timeline';
import { listRecentFlows } from '@/lib/read/list-recent-flows';
import { traceCatalog, type TraceCatalog } from '@/lib/read/trace-catalog';
import type { CausationNode } from '@/lib/domain/trace/flow-types';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { testKafka, uniqueName } from '../support/kafka';
import { waitFor } from '../support/wait-for';

const s = randomBytes(3).toString('hex');
const topic = uniqueName('trace');
const groupPrefix = `t-trace-${s}`;
const names = { payments: `payments-${s}`, shipping: `shipping-${s}`, saga: `order-saga-${s}`, notifications: `notifications-${s}`, summary: `order-summary-${s}` };

let database: TestDatabase;
let db: Db;
let pool: pg.Pool;
let kafka: Kafka;
let producer: Producer;
let relay: Relay;
const running: RunningConsumer[] = [];
let catalog: TraceCatalog;

// payments fails once per event (retryable); shipping fails its first event (PaymentAuthorized) for good: a dead letter.
const seen = new Set<string>();
let shippingFailed = false;
const faults: FaultInjector = {
  slows: () => false,
  async beforeHandle(consumer, eventId) {
    const key = `${consumer}|${eventId}`;
    const first = !seen.has(key);
    seen.add(key);
    if (first && consumer === 'payments') throw new AppError('transient', 'card network timeout (test)');
    if (consumer === 'shipping' && !shippingFailed) {
      shippingFailed = true;
      throw new AppError('permanent', 'carrier rejected the address (test)');
    }
  },
};

const writer = createOutboxWriter({ source: '/test/trace', topicFor: () => topic });

beforeAll(async () => {
  database = await createTestDatabase('trace_timeline');
  db = createDb(database.url);
  pool = new pg.Pool({ connectionString: database.url, max: 4 });
  kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [{ topic, partitions: 1 }]);
  await admin.disconnect();
  producer = kafka.producer();
  await producer.connect();

  const demo = demoConsumers({ topic, faults });
  const rename = { payments: names.payments, shipping: names.shipping, 'order-saga': names.saga, notifications: names.notifications } as Record<string, string>;
  const consumers = demo.map((c) => ({ ...c, name: rename[c.name]! }));
  const summary = projectionConsumer({ ...orderSummaryProjection, name: names.summary, topics: [topic] }, orderSummaryStore());
  catalog = traceCatalog({ consumers, projections: [{ definition: { ...orderSummaryProjection, name: names.summary }, table: 'order_summary_v1' }], groupPrefix });
  const registry = createOrderEventRegistry();
  // notifications is left stopped: its steps are missing, with its lag as the reason.
  for (const definition of [...consumers.filter((c) => c.name !== names.notifications), summary]) {
    running.push(await startConsumer(definition, { db, registry, outbox: writer }, { kafka, groupPrefix, fromBeginning: true, log: () => {} }));
  }
  relay = createRelay({ pool, kafka, pollMs: 100, logger: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} } as never });
  relay.start();
  await insertLagSamples(pool, [{
    at: new Date(), groupId: `${groupPrefix}.${names.notifications}`, state: 'Empty', members: 0, status: 'WARN', evidence: 'test', lag: 4, replayLag: 0,
    noCommitPartitions: 0, dataLossPartitions: 0, secondsBehind: 340, secondsSource: 'outbox', consumeRate: 0, produceRate: 1, etaSeconds: null, partitions: [],
  }]);
}, 120_000);

afterAll(async () => {
  await relay?.stop();
  await Promise.all(running.map((c) => c.stop()));
  await producer?.disconnect();
  const admin = kafka?.admin();
  if (admin) {
    await admin.connect();
    await admin.deleteTopics({ topics: [topic, ...Object.values(names).map(replayTopicOf)] }).catch(() => {});
    await admin.disconnect();
  }
  await pool?.end();
  await db?.$disconnect();
  await database?.drop();
}, 60_000);

/** Stored headers ([{ key, valueBase64 }]) back to Kafka's. */
const kafkaHeaders = (stored: unknown) => Object.fromEntries((stored as Array<{ key: string; valueBase64: string }>).map((h) => [h.key, Buffer.from(h.valueBase64, 'base64')]));

const types = (nodes: CausationNode[]): unknown => nodes.map((n) => ({ type: n.type, children: types(n.children) }));

describe('trace timeline', () => {
  it('shows the flow with its retry, dead letter, replay, projection rows, causation tree and missing-step reasons', async () => {
    const deps = { db, outbox: writer, now: () => new Date(), newId: () => uuidv7() };
    const placed = await executeOrderCommand(deps, { kind: 'PlaceOrder', customerId: 'c-trace', amountCents: 1999, currency: 'EUR' });
    const orderId = placed.orderId;
    const letter = await waitFor('shipping to dead-letter PaymentAuthorized', () => db.dlqMessage.findFirst({ where: { consumer: names.shipping, subject: orderId } }), 60_000);
    const traceId = letter.traceId!;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    await waitFor('the summary row for the payment', () => db.consumerAttempt.findFirst({ where: { consumer: names.summary, eventId: letter.eventId, outcome: 'ok' } }));

    const before = await getTraceTimeline(db, catalog, traceId);
    const tree = types(before.tree);
    expect(tree).toEqual([{ type: 'orders.OrderPlaced', children: [{ type: 'payments.PaymentAuthorized', children: [] }] }]);
    const payments = before.steps.filter((x) => x.kind === 'attempt' && x.lane === names.payments);
    expect(payments.map((x) => x.kind === 'attempt' && `${x.attempt}:${x.outcome}`)).toEqual(['1:retry', '2:ok']);
    expect(payments[0]).toMatchObject({ error: { message: expect.stringContaining('card network timeout') } });
    // In time order, the outbox write before its publish before any attempt on it.
    const times = before.steps.map((x) => x.at.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const placedId = placed.events[0]!.id;
    const order = before.steps.filter((x) => x.eventId === placedId).map((x) => x.kind);
    expect(order.indexOf('outbox-write')).toBeLessThan(order.indexOf('publish'));
    expect(order.indexOf('publish')).toBeLessThan(order.indexOf('attempt'));
    expect(before.steps.find((x) => x.kind === 'publish' && x.eventId === placedId)).toMatchObject({ topic, partition: 0 });
    expect(before.steps.filter((x) => x.kind === 'projection').map((x) => x.kind === 'projection' && `${x.table}:${x.key}`)).toContain(`order_summary_v1:${orderId}`);
    expect(before.steps.find((x) => x.kind === 'dead-letter')).toMatchObject({ dlqId: letter.id, lane: names.shipping, errorCode: 'permanent' });

    const reasons = before.missing.map((m) => `${m.type} ${m.reason}`);
    expect(reasons).toContain(`payments.PaymentAuthorized dead-lettered by ${names.shipping}: permanent`);
    expect(reasons).toContain(`orders.OrderPlaced published, not yet consumed by ${names.notifications} — ${names.notifications} is 340 s behind`);
    expect(reasons).toContain(`orders.OrderPlaced skipped: ${names.shipping} does not handle this type`);
    expect(reasons).toContain(`payments.PaymentAuthorized skipped: ${names.payments} does not handle this type`);
    expect(before.missing.filter((m) => m.lane === names.payments && m.kind !== 'skipped')).toEqual([]);

    // The search finds the flow from the order id, the DLQ row id, the event id and the traceparent.
    for (const q of [orderId, letter.id, placedId, `00-${traceId}-${'1'.repeat(16)}-01`]) {
      expect((await findFlows(db, q)).flows.map((f) => f.traceId), q).toEqual([traceId]);
    }
    const recent = await listRecentFlows(db, {}, new Date());
    expect(recent.attention.find((a) => a.dlqId === letter.id)).toMatchObject({ kind: 'dead-lettered', traceId });
    expect(recent.flows[0]).toMatchObject({ traceId, firstType: 'orders.OrderPlaced', subject: orderId, openDeadLetters: 1 });

    // The replay, as the DLQ replay job does it: a job row, the DLQ row marked with it, the stored bytes to the consumer's replay topic.
    const job = await db.backgroundJob.create({ data: { kind: 'dlq.replay', scope: `dlq:${names.shipping}`, state: 'succeeded', params: { consumer: names.shipping } } });
    await db.$executeRawUnsafe(
      `UPDATE dlq_messages SET status = 'replaying', replays = replays || $2::jsonb WHERE id = $1::uuid`,
      letter.id,
      JSON.stringify([{ jobId: job.id, at: new Date().toISOString(), by: 'ops@example.test' }]),
    );
    await producer.send({ topic: replayTopicOf(names.shipping), acks: -1, messages: [{ key: letter.key ? Buffer.from(letter.key) : null, value: Buffer.from(letter.payload), headers: kafkaHeaders(letter.headers) }] });
    await waitFor('the order to be delivered after the replay', () => db.outboxEvent.findFirst({ where: { subject: orderId, type: 'shipping.ShipmentDelivered', publishedAt: { not: null } } }), 60_000);

    const after = await getTraceTimeline(db, catalog, traceId);
    expect(types(after.tree)).toEqual([{ type: 'orders.OrderPlaced', children: [{ type: 'payments.PaymentAuthorized', children: [
      { type: 'shipping.ShipmentDispatched', children: [{ type: 'shipping.ShipmentDelivered', children: [] }] },
    ] }] }]);
    expect(after.steps.find((x) => x.kind === 'replay')).toMatchObject({ dlqId: letter.id, jobId: job.id, by: 'ops@example.test', jobState: 'succeeded' });
    const shipping = after.steps.filter((x) => x.kind === 'attempt' && x.lane === names.shipping && x.eventId === letter.eventId);
    expect(shipping.map((x) => x.kind === 'attempt' && `${x.outcome}:${x.replayed}`)).toEqual(['dead_lettered:false', 'ok:true']);
    expect(after.missing.filter((m) => m.lane === names.shipping && m.kind !== 'skipped')).toEqual([]);
    expect(after.missing.filter((m) => m.kind === 'not-consumed' && m.lane === names.notifications).length).toBe(4); // stopped: one per event
    const hop = after.tree[0]!.children[0]!.children[0]!;
    expect(hop.sinceParentMs).toBeGreaterThan(0); // the dispatch waited for the replay
  }, 180_000);

  it('refuses a malformed trace id and says when nothing is recorded', async () => {
    await expect(getTraceTimeline(db, catalog, "x' OR 1=1")).rejects.toMatchObject({ code: 'bad_request' });
    await expect(getTraceTimeline(db, catalog, randomUUID().replace(/-/g, ''))).rejects.toMatchObject({ code: 'not_found' });
    expect((await findFlows(db, 'no such thing')).flows).toEqual([]);
  });
});
