import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { laneOf } from '@/lib/domain/lanes';
import { AppError } from '@/lib/errors';
import { executeOrderCommand, type CommandDeps } from '@/lib/demo/orders/commands';
import { loadOrderForUpdate, saveOrder } from '@/lib/demo/orders/order-store';
import { createOrderOutboxWriter } from '@/lib/demo/orders/outbox';
import { ORDERS_TOPIC } from '@/lib/demo/orders/events';
import { createTestDatabase, type TestDatabase } from '../support/database';

let database: TestDatabase;
let db: Db;
let deps: CommandDeps;

beforeAll(async () => {
  database = await createTestDatabase('demo_commands');
  db = createDb(database.url, { poolSize: 12 });
  deps = { db, outbox: createOrderOutboxWriter(), now: () => new Date(), newId: () => uuidv7() };
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

const place = (over: Record<string, unknown> = {}) =>
  ({ kind: 'PlaceOrder', customerId: 'c-1', amountCents: 1999, currency: 'EUR', channel: 'cli', ...over }) as const;

async function errorOf(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected the command to fail');
}

async function eventsOf(orderId: string) {
  return db.outboxEvent.findMany({ where: { subject: orderId }, orderBy: { position: 'asc' } });
}

describe('executeOrderCommand', () => {
  it('places an order: row at version 1, one OrderPlaced in the outbox with subject, lane, topic and trace', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const result = await executeOrderCommand(deps, place(), { traceparent });
    expect(result.status).toBe('placed');
    expect(result.replayed).toBe(false);
    expect(result.events).toHaveLength(1);

    const row = await db.order.findUniqueOrThrow({ where: { id: result.orderId } });
    expect(row).toMatchObject({ customerId: 'c-1', status: 'placed', amountCents: 1999, currency: 'EUR', version: 1 });

    const [event, ...rest] = await eventsOf(result.orderId);
    expect(rest).toHaveLength(0);
    expect(event).toMatchObject({
      eventId: result.events[0]!.id,
      type: 'orders.OrderPlaced',
      version: 2,
      subject: result.orderId,
      lane: laneOf(result.orderId),
      topic: ORDERS_TOPIC,
      source: '/demo/orders',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      publishedAt: null,
    });
    expect((event!.envelope as { data: unknown }).data).toEqual({ orderId: result.orderId, customerId: 'c-1', amountCents: 1999, currency: 'EUR', channel: 'cli' });
  });

  it('runs the whole happy path, one version per event, and rejects steps out of order', async () => {
    const { orderId } = await executeOrderCommand(deps, place());
    expect((await errorOf(executeOrderCommand(deps, { kind: 'DispatchShipment', orderId }))).code).toBe('rejected');
    await executeOrderCommand(deps, { kind: 'AuthorizePayment', orderId });
    const dispatched = await executeOrderCommand(deps, { kind: 'DispatchShipment', orderId, carrier: 'ups' });
    expect(dispatched.status).toBe('dispatched');
    const delivered = await executeOrderCommand(deps, { kind: 'DeliverShipment', orderId });
    expect(delivered.status).toBe('delivered');
    const rejected = await errorOf(executeOrderCommand(deps, { kind: 'CancelOrder', orderId, reason: 'too late' }));
    expect(rejected.code).toBe('rejected');
    expect(rejected.details).toEqual({ currentStatus: 'delivered' });

    const row = await db.order.findUniqueOrThrow({ where: { id: orderId } });
    expect(row.version).toBe(4);
    expect(row.shipmentId).toMatch(/^[0-9a-f-]{36}$/);
    const events = await eventsOf(orderId);
    expect(events.map((e) => e.type)).toEqual(['orders.OrderPlaced', 'payments.PaymentAuthorized', 'shipping.ShipmentDispatched', 'shipping.ShipmentDelivered']);
    expect((events[2]!.envelope as { data: { carrier: string; shipmentId: string } }).data).toMatchObject({ carrier: 'ups', shipmentId: row.shipmentId });
    expect((events[3]!.envelope as { data: { shipmentId: string } }).data.shipmentId).toBe(row.shipmentId);
  });

  it('declines a payment and cancels; cancelling again changes nothing', async () => {
    const { orderId } = await executeOrderCommand(deps, place());
    const failed = await executeOrderCommand(deps, { kind: 'AuthorizePayment', orderId, approved: false, reason: 'insufficient funds' });
    expect(failed.status).toBe('payment_failed');
    expect(failed.events.map((e) => e.type)).toEqual(['payments.PaymentFailed']);
    await executeOrderCommand(deps, { kind: 'CancelOrder', orderId, reason: 'payment failed' });
    const again = await executeOrderCommand(deps, { kind: 'CancelOrder', orderId, reason: 'payment failed' });
    expect(again).toMatchObject({ status: 'cancelled', events: [] });
    expect((await db.order.findUniqueOrThrow({ where: { id: orderId } })).version).toBe(3);
  });

  it('reports a missing order as not_found and invalid input as bad_request with issues', async () => {
    expect((await errorOf(executeOrderCommand(deps, { kind: 'DeliverShipment', orderId: uuidv7() }))).code).toBe('not_found');
    const invalid = await errorOf(executeOrderCommand(deps, place({ currency: 'eur', amountCents: 0, customerId: "x' OR 1=1 --" })));
    expect(invalid.code).toBe('bad_request');
    const paths = (invalid.details?.issues as Array<{ path: string }>).map((i) => i.path).sort();
    expect(paths).toEqual(['amountCents', 'currency', 'customerId']);
    expect((await errorOf(executeOrderCommand(deps, place({ amountCents: 100_000_001 })))).code).toBe('bad_request');
    expect((await errorOf(executeOrderCommand(deps, place({ extra: 1 })))).code).toBe('bad_request');
  });

  it('lets a client choose the order id once', async () => {
    const orderId = uuidv7().toUpperCase();
    const result = await executeOrderCommand(deps, place({ orderId }));
    expect(result.orderId).toBe(orderId.toLowerCase());
    const again = await errorOf(executeOrderCommand(deps, place({ orderId })));
    expect(again.code).toBe('rejected');
  });
});

describe('Idempotency-Key', () => {
  it('same key twice → one order, one event, the same response', async () => {
    const first = await executeOrderCommand(deps, place({ customerId: 'idem-1' }), { idempotencyKey: 'key-1' });
    const second = await executeOrderCommand(deps, place({ customerId: 'idem-1' }), { idempotencyKey: 'key-1' });
    expect(second).toEqual({ ...first, replayed: true });
    expect(await db.order.count({ where: { customerId: 'idem-1' } })).toBe(1);
    expect(await db.outboxEvent.count({ where: { subject: first.orderId } })).toBe(1);
  });

  it('hashes the validated request: key order and defaults do not matter', async () => {
    const a = await executeOrderCommand(deps, { currency: 'EUR', amountCents: 5, customerId: 'idem-2', kind: 'PlaceOrder' }, { idempotencyKey: 'key-2' });
    const b = await executeOrderCommand(deps, { kind: 'PlaceOrder', customerId: 'idem-2', amountCents: 5, currency: 'EUR', channel: 'api' }, { idempotencyKey: 'key-2' });
    expect(b.orderId).toBe(a.orderId);
    expect(b.replayed).toBe(true);
  });

  it('same key with a different request → conflict (409), nothing happens', async () => {
    await executeOrderCommand(deps, place({ customerId: 'idem-3' }), { idempotencyKey: 'key-3' });
    const error = await errorOf(executeOrderCommand(deps, place({ customerId: 'idem-3', amountCents: 2000 }), { idempotencyKey: 'key-3' }));
    expect(error.code).toBe('conflict');
    expect(error.status).toBe(409);
    expect(await db.order.count({ where: { customerId: 'idem-3' } })).toBe(1);
  });

  it('scopes keys per command kind', async () => {
    const { orderId } = await executeOrderCommand(deps, place(), { idempotencyKey: 'shared' });
    const auth = await executeOrderCommand(deps, { kind: 'AuthorizePayment', orderId }, { idempotencyKey: 'shared' });
    expect(auth.replayed).toBe(false);
    expect(auth.status).toBe('paid');
  });

  it('a rejected command leaves no key behind: fixing the situation and retrying works', async () => {
    const { orderId } = await executeOrderCommand(deps, place());
    const key = `dispatch-${orderId}`;
    expect((await errorOf(executeOrderCommand(deps, { kind: 'DispatchShipment', orderId }, { idempotencyKey: key }))).code).toBe('rejected');
    expect(await db.idempotencyKey.count({ where: { key } })).toBe(0);
    await executeOrderCommand(deps, { kind: 'AuthorizePayment', orderId });
    const dispatched = await executeOrderCommand(deps, { kind: 'DispatchShipment', orderId }, { idempotencyKey: key });
    expect(dispatched.status).toBe('dispatched');
    const replay = await executeOrderCommand(deps, { kind: 'DispatchShipment', orderId }, { idempotencyKey: key });
    expect(replay).toEqual({ ...dispatched, replayed: true });
  });

  it('refuses malformed keys', async () => {
    for (const key of ['', 'x'.repeat(201), 'tab\there', 'ünïcode', 'line\nbreak']) {
      expect((await errorOf(executeOrderCommand(deps, place(), { idempotencyKey: key }))).code).toBe('bad_request');
    }
  });
});

describe('concurrency', () => {
  it('ten identical PlaceOrder commands with one key in parallel → one order, one event, one answer', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, () => executeOrderCommand(deps, place({ customerId: 'race-1' }), { idempotencyKey: 'race-key-1' })),
    );
    expect(new Set(results.map((r) => r.orderId)).size).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(await db.order.count({ where: { customerId: 'race-1' } })).toBe(1);
    expect(await db.outboxEvent.count({ where: { subject: results[0]!.orderId } })).toBe(1);
  });

  it('ten identical AuthorizePayment commands with one key in parallel → one PaymentAuthorized, all answered alike', async () => {
    const { orderId } = await executeOrderCommand(deps, place());
    const results = await Promise.all(
      Array.from({ length: 10 }, () => executeOrderCommand(deps, { kind: 'AuthorizePayment', orderId }, { idempotencyKey: `auth-${orderId}` })),
    );
    expect(new Set(results.map((r) => r.events[0]!.id)).size).toBe(1);
    expect(await db.outboxEvent.count({ where: { subject: orderId, type: 'payments.PaymentAuthorized' } })).toBe(1);
  });

  it('competing commands without keys: the row lock serialises them, exactly one wins', async () => {
    const { orderId } = await executeOrderCommand(deps, place());
    const outcomes = await Promise.allSettled([
      executeOrderCommand(deps, { kind: 'AuthorizePayment', orderId }),
      executeOrderCommand(deps, { kind: 'AuthorizePayment', orderId, approved: false, reason: 'no' }),
      executeOrderCommand(deps, { kind: 'CancelOrder', orderId, reason: 'changed my mind' }),
      executeOrderCommand(deps, { kind: 'AuthorizePayment', orderId }),
    ]);
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const rejected = outcomes.filter((o) => o.status === 'rejected').map((o) => (o.reason as AppError).code);
    // Cancel is also allowed after a payment decision, so 1 or 2 succeed; every loser is a business rejection.
    expect(won.length).toBeGreaterThanOrEqual(1);
    expect(new Set(rejected)).toEqual(new Set(rejected.length ? ['rejected'] : []));
    const row = await db.order.findUniqueOrThrow({ where: { id: orderId } });
    expect(row.version).toBe(1 + won.length);
    expect(await db.outboxEvent.count({ where: { subject: orderId } })).toBe(1 + won.length);
  });
});

describe('optimistic version check', () => {
  it('refuses to write over a row changed since it was read (retryable conflict)', async () => {
    const { orderId } = await executeOrderCommand(deps, place());
    const error = await errorOf(
      db.$transaction(async (tx) => {
        const stored = (await loadOrderForUpdate(tx, orderId))!;
        await saveOrder(tx, { ...stored.state, status: 'paid' }, stored.version + 1, 1, new Date()); // a stale expectation
      }),
    );
    expect(error.code).toBe('concurrent_update');
    expect(error.retryable).toBe(true);
    const row = await db.order.findUniqueOrThrow({ where: { id: orderId } });
    expect(row).toMatchObject({ status: 'placed', version: 1 });
  });
});
