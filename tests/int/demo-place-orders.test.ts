// executePlaceOrders (the traffic generator's batches): several new orders in one
// transaction, each with its own OrderPlaced in its own trace; bad input writes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { createOrderOutboxWriter } from '@/lib/demo/orders/outbox';
import { executePlaceOrders } from '@/lib/demo/orders/commands';
import type { OrderCommandInput } from '@/lib/demo/orders/command-schemas';
import { createTestDatabase, type TestDatabase } from '../support/database';

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase('demo_place_orders');
  db = createDb(database.url);
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

const deps = () => ({ db, outbox: createOrderOutboxWriter(), now: () => new Date(), newId: () => uuidv7() });
const order = (customerId: string, amountCents = 1_000): OrderCommandInput => ({ kind: 'PlaceOrder', customerId, amountCents, currency: 'EUR', channel: 'generator' });

describe('executePlaceOrders', () => {
  it('writes each order and its OrderPlaced, one trace per order, in one transaction', async () => {
    const results = await executePlaceOrders(deps(), [order('c-1'), order('c-2', 2_000), order('c-3')]);
    expect(results.map((r) => [r.status, r.events.map((e) => e.type)])).toEqual([
      ['placed', ['orders.OrderPlaced']],
      ['placed', ['orders.OrderPlaced']],
      ['placed', ['orders.OrderPlaced']],
    ]);
    const ids = results.map((r) => r.orderId);
    const rows = await db.$queryRaw<Array<{ subject: string; trace_id: string; event_id: string; customer: string; version: number }>>`
      SELECT e.subject, e.trace_id, e.event_id::text, o.customer_id AS customer, o.version
      FROM outbox_events e JOIN orders o ON o.id::text = e.subject WHERE e.subject = ANY(${ids}) ORDER BY e.position`;
    expect(rows.map((r) => [r.subject, r.customer, r.version])).toEqual([[ids[0], 'c-1', 1], [ids[1], 'c-2', 1], [ids[2], 'c-3', 1]]);
    expect(new Set(rows.map((r) => r.trace_id)).size).toBe(3);
    expect(rows.map((r) => r.event_id)).toEqual(results.map((r) => r.events[0]!.id));
  });

  it('refuses a batch with an invalid order or another command, and writes none of it', async () => {
    const before = await db.outboxEvent.count();
    await expect(executePlaceOrders(deps(), [order('c-4'), order('c-5', -3)])).rejects.toMatchObject({ code: 'bad_request' });
    await expect(executePlaceOrders(deps(), [order('c-6'), { kind: 'CancelOrder', orderId: uuidv7(), reason: 'x' } as OrderCommandInput])).rejects.toMatchObject({ code: 'bad_request' });
    expect(await db.outboxEvent.count()).toBe(before);
  });

  it('writes nothing when one of the orders exists already', async () => {
    const [placed] = await executePlaceOrders(deps(), [order('c-7')]);
    const before = await db.outboxEvent.count();
    const fixed = [uuidv7(), placed!.orderId];
    let i = 0;
    await expect(executePlaceOrders({ ...deps(), newId: () => fixed[i++]! }, [order('c-8'), order('c-9')])).rejects.toMatchObject({ code: 'rejected' });
    expect(await db.outboxEvent.count()).toBe(before);
  });
});
