// The demo consumers against a real database, driven by a tiny in-process
// "runtime": events are read back from outbox_events in log order and handed to
// each consumer in its own transaction, with ctx.emit appending (with causation)
// to the outbox — what the Kafka consumer runtime does, minus Kafka and the inbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import type { ConsumerDefinition, HandlerContext } from '@/lib/backbone/consumer-definition';
import type { EventEnvelope } from '@/lib/domain/events/envelope';
import { AppError } from '@/lib/errors';
import { demoConsumers, createFaultInjector, noFaults } from '@/lib/demo/consumers';
import { executeOrderCommand, type CommandDeps } from '@/lib/demo/orders/commands';
import { createOrderOutboxWriter } from '@/lib/demo/orders/outbox';
import { ORDERS_TOPIC } from '@/lib/demo/orders/events';
import { DEFAULT_KNOBS } from '@/lib/demo/knobs';
import { createTestDatabase, type TestDatabase } from '../support/database';

let database: TestDatabase;
let db: Db;
let deps: CommandDeps;
const outbox = createOrderOutboxWriter();

beforeAll(async () => {
  database = await createTestDatabase('demo_consumers');
  db = createDb(database.url);
  deps = { db, outbox, now: () => new Date(), newId: () => uuidv7() };
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

const byName = (consumers: ConsumerDefinition[], name: string) => consumers.find((c) => c.name === name)!;

async function deliver(consumer: ConsumerDefinition, event: EventEnvelope): Promise<void> {
  await db.$transaction(async (tx) => {
    const ctx: HandlerContext = {
      tx,
      consumer: consumer.name,
      attempt: 1,
      message: { topic: ORDERS_TOPIC, partition: 0, offset: '0' },
      emit: (events) => outbox.append(tx, events.map((e) => ({ ...e, causationId: event.id, correlationId: event.correlation_id ?? event.id })), { traceparent: event.traceparent }),
    };
    await consumer.handle(event, ctx);
  });
}

/** Feeds every outbox event of `orderId` after `position` to every consumer handling it, until nothing new appears. */
async function pump(consumers: ConsumerDefinition[], orderId: string): Promise<EventEnvelope[]> {
  let after = -1n;
  const seen: EventEnvelope[] = [];
  for (;;) {
    const rows = await db.outboxEvent.findMany({ where: { subject: orderId, position: { gt: after } }, orderBy: { position: 'asc' } });
    if (rows.length === 0) return seen;
    for (const row of rows) {
      after = row.position;
      const event = row.envelope as unknown as EventEnvelope;
      seen.push(event);
      for (const c of consumers.filter((c) => c.handles.includes(event.type))) await deliver(c, event);
    }
  }
}

async function placeOrder(customerId: string, amountCents = 1999) {
  return (await executeOrderCommand(deps, { kind: 'PlaceOrder', customerId, amountCents, currency: 'EUR', channel: 'generator' })).orderId;
}

describe('demo consumers', () => {
  const consumers = demoConsumers({ faults: noFaults });

  it('are four, with distinct valid names, all on the orders topic', () => {
    expect(consumers.map((c) => c.name).sort()).toEqual(['notifications', 'order-saga', 'payments', 'shipping']);
    for (const c of consumers) expect(c.topics).toEqual([ORDERS_TOPIC]);
  });

  it('take an approved order all the way to delivered; notifications once per event; causation chained', async () => {
    const orderId = await placeOrder('c-7');
    const events = await pump(consumers, orderId);
    expect(events.map((e) => e.type)).toEqual(['orders.OrderPlaced', 'payments.PaymentAuthorized', 'shipping.ShipmentDispatched', 'shipping.ShipmentDelivered']);
    for (let i = 1; i < events.length; i++) {
      expect(events[i]!.causation_id).toBe(events[i - 1]!.id);
      expect(events[i]!.correlation_id).toBe(events[0]!.id);
      expect(events[i]!.trace_id).toBe(events[0]!.trace_id);
    }
    expect((await db.order.findUniqueOrThrow({ where: { id: orderId } })).status).toBe('delivered');
    const notes = await db.notification.findMany({ where: { orderId }, orderBy: { id: 'asc' } });
    expect(notes.map((n) => n.kind)).toEqual(events.map((e) => e.type));
  });

  it('decline a "declined-" customer and compensate: PaymentFailed → OrderCancelled', async () => {
    const orderId = await placeOrder('declined-c-3');
    const events = await pump(consumers, orderId);
    expect(events.map((e) => e.type)).toEqual(['orders.OrderPlaced', 'payments.PaymentFailed', 'orders.OrderCancelled']);
    expect((events[1]!.data as { reason: string }).reason).toBe('card declined by issuer');
    expect((events[2]!.data as { reason: string }).reason).toBe('payment failed: card declined by issuer');
    expect((await db.order.findUniqueOrThrow({ where: { id: orderId } })).status).toBe('cancelled');
    expect(await db.notification.count({ where: { orderId } })).toBe(3);
  });

  it('decline amounts above 500 000 cents', async () => {
    const orderId = await placeOrder('c-8', 500_001);
    const events = await pump(consumers, orderId);
    expect(events.map((e) => e.type)).toContain('orders.OrderCancelled');
  });

  it('treat a redelivered event as done: no new events, no second notification', async () => {
    const orderId = await placeOrder('c-9');
    const events = await pump(consumers, orderId);
    const before = await db.outboxEvent.count({ where: { subject: orderId } });
    for (const event of events) for (const c of consumers.filter((c) => c.handles.includes(event.type))) await deliver(c, event);
    expect(await db.outboxEvent.count({ where: { subject: orderId } })).toBe(before);
    expect(await db.notification.count({ where: { orderId } })).toBe(events.length);
  });

  it('treat a step made moot by a cancellation as done (dispatch on a cancelled order)', async () => {
    const orderId = await placeOrder('c-10');
    const placed = (await db.outboxEvent.findFirstOrThrow({ where: { subject: orderId } })).envelope as unknown as EventEnvelope;
    await deliver(byName(consumers, 'payments'), placed);
    const authorized = (await db.outboxEvent.findFirstOrThrow({ where: { subject: orderId, type: 'payments.PaymentAuthorized' } })).envelope as unknown as EventEnvelope;
    await executeOrderCommand(deps, { kind: 'CancelOrder', orderId, reason: 'customer changed their mind' });
    await deliver(byName(consumers, 'shipping'), authorized);
    expect(await db.outboxEvent.count({ where: { subject: orderId, type: 'shipping.ShipmentDispatched' } })).toBe(0);
    expect((await db.order.findUniqueOrThrow({ where: { id: orderId } })).status).toBe('cancelled');
  });

  it('fail for real failures: an event about an order that does not exist is not_found (not retryable)', async () => {
    const orderId = uuidv7();
    const event = {
      specversion: '1.0', id: uuidv7(), type: 'payments.PaymentAuthorized', version: 1, time: new Date().toISOString(), source: 'test', subject: orderId,
      datacontenttype: 'application/json', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      causation_id: null, correlation_id: null,
      data: { orderId, customerId: 'c-1', amountCents: 1, currency: 'EUR', paymentId: uuidv7() },
    } satisfies EventEnvelope;
    const error = await deliver(byName(consumers, 'shipping'), event).then(() => null, (e: unknown) => e as AppError);
    expect(error).toBeInstanceOf(AppError);
    expect(error!.code).toBe('not_found');
    expect(error!.retryable).toBe(false);
  });

  it('inject faults from the knobs: transient, permanent, slow; the failed attempt leaves no effect', async () => {
    let r = 0;
    const slept: number[] = [];
    const knobs = { ...DEFAULT_KNOBS, transientFailureShare: 0.1, permanentFailureShare: 0.1, slowConsumer: 'notifications', slowMs: 250 };
    const faulty = demoConsumers({
      faults: createFaultInjector({ knobs: () => knobs, random: () => r, sleep: async (ms) => void slept.push(ms) }),
    });
    const orderId = await placeOrder('c-11');
    const placed = (await db.outboxEvent.findFirstOrThrow({ where: { subject: orderId } })).envelope as unknown as EventEnvelope;

    r = 0.05;
    const transient = await deliver(byName(faulty, 'payments'), placed).then(() => null, (e: unknown) => e as AppError);
    expect(transient).toMatchObject({ code: 'transient', retryable: true });
    r = 0.15;
    const permanent = await deliver(byName(faulty, 'payments'), placed).then(() => null, (e: unknown) => e as AppError);
    expect(permanent).toMatchObject({ code: 'permanent', retryable: false });
    expect(await db.outboxEvent.count({ where: { subject: orderId } })).toBe(1);
    expect(slept).toEqual([]);

    r = 0.5;
    await deliver(byName(faulty, 'payments'), placed);
    await deliver(byName(faulty, 'notifications'), placed);
    expect(slept).toEqual([250]);
    expect(await db.outboxEvent.count({ where: { subject: orderId } })).toBe(2);
  });
});
