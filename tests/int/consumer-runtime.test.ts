// The consumer runtime against the real Kafka and PostgreSQL: dedup, retries,
// dead-lettering and every kind of bad input, each with a defined outcome.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { createKafka, ensureTopics } from '@/lib/adapters/kafka/kafka-client';
import { startConsumer, type RunningConsumer } from '@/lib/adapters/kafka/consumer-runtime';
import { createOutboxWriter } from '@/lib/adapters/outbox/outbox-writer';
import { replayTopicOf, type ConsumerDefinition } from '@/lib/backbone/consumer-definition';
import type { PrismaTx } from '@/lib/adapters/prisma/processor-ports';
import { AppError } from '@/lib/errors';
import { createOrderEventRegistry } from '@/lib/demo/orders/events';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { orderPlacedEnvelope } from '../support/order-envelope';
import { waitFor } from '../support/wait-for';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const suffix = randomUUID().slice(0, 8);
const topic = `t-consumer-runtime-${suffix}`;

let database: TestDatabase;
let db: Db;
let kafka: Kafka;
let producer: Producer;
let consumer: RunningConsumer;
const failuresSoFar = new Map<string, number>();

function envelope(overrides: Record<string, unknown> = {}, data: Record<string, unknown> = {}) {
  return orderPlacedEnvelope({ trace: { trace_id: 'ab'.repeat(16), traceparent: `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01` }, overrides, data });
}

async function send(value: Buffer | string, key = 'k', headers: Record<string, string> = {}) {
  await producer.send({ topic, acks: -1, messages: [{ key, value, headers }] });
}

/** A consumer whose effect is a notifications row; customers named flaky-N fail N times, broken-* always. */
const testConsumer: ConsumerDefinition<PrismaTx> = {
  name: `test-effects-${suffix}`,
  topics: [topic],
  handles: ['orders.OrderPlaced', 'orders.OrderCancelled'],
  retry: { maxAttempts: 3, baseMs: 10, maxMs: 50 },
  async handle(event, ctx) {
    const data = event.data as { orderId: string; customerId: string };
    const flaky = /^flaky-(\d+)/.exec(data.customerId);
    if (flaky) {
      const seen = failuresSoFar.get(event.id) ?? 0;
      if (seen < Number(flaky[1])) {
        failuresSoFar.set(event.id, seen + 1);
        throw new AppError('transient', `flaky dependency timed out for order ${data.orderId}`);
      }
    }
    if (data.customerId.startsWith('broken-')) throw new AppError('permanent', `customer ${data.customerId} cannot be notified`);
    await ctx.tx.notification.create({ data: { eventId: event.id, orderId: data.orderId, kind: event.type } });
  },
};

beforeAll(async () => {
  database = await createTestDatabase('consumer_runtime');
  db = createDb(database.url, { poolSize: 4 });
  kafka = createKafka({ brokers, clientId: `test-${suffix}` });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [{ topic, partitions: 3, config: { 'max.message.bytes': String(8 * 1024 * 1024) } }]);
  await admin.disconnect();
  producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  consumer = await startConsumer(
    testConsumer,
    { db, registry: createOrderEventRegistry(), outbox: createOutboxWriter({ source: '/test', topicFor: () => topic }), maxMessageBytes: 1024 * 1024 },
    { kafka, groupPrefix: `t-${suffix}`, fromBeginning: true },
  );
});

afterAll(async () => {
  await consumer?.stop();
  await producer?.disconnect();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic, replayTopicOf(testConsumer.name)] }).catch(() => undefined);
  await admin.disconnect();
  await db?.$disconnect();
  await database?.drop();
});

const notificationsFor = (eventId: string) => db.notification.count({ where: { eventId } });
const deadLetterFor = (where: Record<string, unknown>) => db.dlqMessage.findFirst({ where: { consumer: testConsumer.name, ...where } });

describe('consumer runtime', () => {
  it('applies an event once even when it is delivered three times', async () => {
    const e = envelope();
    const bytes = JSON.stringify(e);
    await send(bytes, e.subject);
    await send(bytes, e.subject);
    await waitFor('the duplicate to be seen', async () =>
      (await db.consumerAttempt.count({ where: { consumer: testConsumer.name, eventId: e.id } })) >= 2,
    );
    await send(bytes, e.subject);
    await waitFor('the third delivery', async () =>
      (await db.consumerAttempt.count({ where: { consumer: testConsumer.name, eventId: e.id } })) >= 3,
    );
    expect(await notificationsFor(e.id)).toBe(1);
    expect(await db.consumerInbox.count({ where: { consumer: testConsumer.name, eventId: e.id } })).toBe(1);
    const outcomes = await db.consumerAttempt.findMany({ where: { eventId: e.id }, select: { outcome: true } });
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['duplicate', 'duplicate', 'ok']);
  });

  it.each([
    ['malformed JSON', () => Buffer.from('{"id": "x", oops'), 'undecodable', /not valid JSON/],
    ['non-UTF-8 bytes', () => Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28]), 'undecodable', /UTF-8/],
    ['an unknown type', () => Buffer.from(JSON.stringify(envelope({ type: 'orders.OrderTeleported' }))), 'unknown_type', /Unknown event type/],
    ['a future version', () => Buffer.from(JSON.stringify(envelope({ version: 99 }))), 'unsupported_version', /newer than this consumer knows/],
    ['data that fails its schema', () => Buffer.from(JSON.stringify(envelope({}, { amountCents: -5 }))), 'schema_invalid', /data is invalid/],
    ['an envelope without an id', () => Buffer.from(JSON.stringify(envelope({ id: undefined }))), 'schema_invalid', /Envelope is invalid/],
    ['a JSON array', () => Buffer.from('[1,2,3]'), 'schema_invalid', /Envelope is invalid/],
  ])('dead-letters %s at once with the reason, keeping the exact bytes', async (_name, make, code, message) => {
    const payload = make();
    const key = `poison-${randomUUID()}`;
    await send(payload, key);
    const letter = await waitFor('the dead letter', () => deadLetterFor({ key: new Uint8Array(Buffer.from(key)) }));
    expect(letter.errorCode).toBe(code);
    expect(letter.errorMessage).toMatch(message);
    expect(Buffer.from(letter.payload).equals(payload)).toBe(true);
    expect(letter.attemptCount).toBe(1);
    expect(letter.status).toBe('open');
    expect(letter.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it('dead-letters a 5 MB payload as oversized and keeps all of it', async () => {
    const payload = Buffer.alloc(5 * 1024 * 1024, 0x61);
    const key = `big-${randomUUID()}`;
    await send(payload, key);
    const letter = await waitFor('the oversized dead letter', () => deadLetterFor({ key: new Uint8Array(Buffer.from(key)) }), 60_000);
    expect(letter.errorCode).toBe('oversized');
    expect(letter.payloadSize).toBe(payload.byteLength);
  });

  it('handles an event with no trace id and no headers from a foreign producer, assigning a trace', async () => {
    const e = envelope({ trace_id: undefined, traceparent: undefined });
    await send(JSON.stringify(e), e.subject);
    await waitFor('the foreign event to be applied', async () => (await notificationsFor(e.id)) === 1);
    const attempt = await db.consumerAttempt.findFirstOrThrow({ where: { eventId: e.id } });
    expect(attempt.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('takes the trace from the Kafka traceparent header when the envelope has none', async () => {
    const e = envelope({ trace_id: undefined, traceparent: undefined });
    const traceId = '12'.repeat(16);
    await send(JSON.stringify(e), e.subject, { traceparent: `00-${traceId}-${'34'.repeat(8)}-01` });
    await waitFor('the event to be applied', async () => (await notificationsFor(e.id)) === 1);
    expect((await db.consumerAttempt.findFirstOrThrow({ where: { eventId: e.id } })).traceId).toBe(traceId);
  });

  it('upcasts an older version before handling it', async () => {
    const e = envelope({ version: 1 });
    delete (e.data as Record<string, unknown>).channel;
    await send(JSON.stringify(e), e.subject);
    await waitFor('the v1 event to be applied', async () => (await notificationsFor(e.id)) === 1);
  });

  it('retries a transient failure with backoff and applies the event once', async () => {
    const e = envelope({}, { customerId: 'flaky-2' });
    await send(JSON.stringify(e), e.subject);
    await waitFor('the flaky event to be applied', async () => (await notificationsFor(e.id)) === 1);
    const attempts = await db.consumerAttempt.findMany({ where: { eventId: e.id }, orderBy: { id: 'asc' } });
    expect(attempts.map((a) => [a.attempt, a.outcome])).toEqual([[1, 'retry'], [2, 'retry'], [3, 'ok']]);
    expect(await deadLetterFor({ eventId: e.id })).toBeNull();
  });

  it('dead-letters after the last attempt with the whole attempt history', async () => {
    const e = envelope({}, { customerId: 'flaky-9' });
    await send(JSON.stringify(e), e.subject);
    const letter = await waitFor('the exhausted event to be dead-lettered', () => deadLetterFor({ eventId: e.id }));
    expect(letter.attemptCount).toBe(3);
    expect(letter.errorCode).toBe('transient');
    expect((letter.attempts as Array<{ attempt: number }>).map((a) => a.attempt)).toEqual([1, 2, 3]);
    expect(await notificationsFor(e.id)).toBe(0);
    expect(await db.consumerInbox.count({ where: { eventId: e.id } })).toBe(0);
  });

  it('dead-letters a permanent failure at once and does not block the partition', async () => {
    const broken = envelope({}, { customerId: 'broken-1' });
    const after = envelope({ subject: broken.subject }, { orderId: broken.subject });
    await send(JSON.stringify(broken), 'same-key');
    await send(JSON.stringify(after), 'same-key');
    const letter = await waitFor('the permanent failure', () => deadLetterFor({ eventId: broken.id }));
    expect(letter.attemptCount).toBe(1);
    expect(letter.eventType).toBe('orders.OrderPlaced');
    expect(letter.traceId).toBe('ab'.repeat(16));
    await waitFor('the next message on the partition', async () => (await notificationsFor(after.id)) === 1);
  });

  it('groups failures with the same cause under one fingerprint', async () => {
    const a = envelope({}, { customerId: 'broken-2' });
    const b = envelope({}, { customerId: 'broken-3' });
    await send(JSON.stringify(a), a.subject);
    await send(JSON.stringify(b), b.subject);
    const la = await waitFor('a', () => deadLetterFor({ eventId: a.id }));
    const lb = await waitFor('b', () => deadLetterFor({ eventId: b.id }));
    expect(la.fingerprint).toBe(lb.fingerprint);
  });

  it('skips event types it does not handle without recording them', async () => {
    const e = envelope({ type: 'shipping.ShipmentDelivered', version: 1 }, {});
    const marker = envelope();
    await send(JSON.stringify({ ...e, data: { orderId: e.subject, customerId: 'c-1', shipmentId: randomUUID() } }), 'skip');
    await send(JSON.stringify(marker), 'skip');
    await waitFor('the marker after the skipped event', async () => (await notificationsFor(marker.id)) === 1);
    expect(await db.consumerAttempt.count({ where: { eventId: e.id } })).toBe(0);
    expect(await deadLetterFor({ eventId: e.id })).toBeNull();
  });

  it('leaves a broken message of a known type it does not handle to the consumers that do', async () => {
    const e = envelope({ type: 'shipping.ShipmentDelivered', version: 7 }, {});
    const marker = envelope();
    await send(JSON.stringify(e), 'not-mine');
    await send(JSON.stringify(marker), 'not-mine');
    await waitFor('the marker after it', async () => (await notificationsFor(marker.id)) === 1);
    expect(await deadLetterFor({ eventId: e.id })).toBeNull();
  });

  it('re-delivers a dead letter to just the consumer that failed, through its replay topic, once', async () => {
    const e = envelope({}, { customerId: 'flaky-3' }); // fails 3 times (all its attempts), then would succeed
    await send(JSON.stringify(e), e.subject);
    const letter = await waitFor('the dead letter', () => deadLetterFor({ eventId: e.id }));
    expect(await notificationsFor(e.id)).toBe(0);

    // Replay: the stored bytes, unchanged, to this consumer's own replay topic.
    const replay = { topic: replayTopicOf(testConsumer.name), messages: [{ key: letter.key ? Buffer.from(letter.key) : null, value: Buffer.from(letter.payload) }] };
    await producer.send({ ...replay, acks: -1 });
    await waitFor('the replayed event to be applied', async () => (await notificationsFor(e.id)) === 1);
    await producer.send({ ...replay, acks: -1 });
    await waitFor('the second replay to be recognised as a duplicate', async () =>
      (await db.consumerAttempt.count({ where: { eventId: e.id, outcome: 'duplicate', topic: replay.topic } })) === 1,
    );
    expect(await notificationsFor(e.id)).toBe(1);
  });
});
