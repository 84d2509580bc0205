// The orders table as the aggregate's storage: load one row locked for the
// rest of the transaction, write it back guarded by its version.
import type { Prisma } from '../../adapters/prisma/client';
import { AppError } from '../../errors';
import type { OrderState, OrderStatus } from './decider';

type Tx = Prisma.TransactionClient;

export const ORDER_STATUSES: readonly OrderStatus[] = ['placed', 'paid', 'payment_failed', 'dispatched', 'delivered', 'cancelled'];

export interface StoredOrder {
  state: OrderState;
  version: number;
}

interface OrderRow {
  id: string;
  customer_id: string;
  status: string;
  amount_cents: number;
  currency: string;
  shipment_id: string | null;
  version: number;
}

function isStatus(value: string): value is OrderStatus {
  return (ORDER_STATUSES as readonly string[]).includes(value);
}

function storedOrderOf(row: OrderRow): StoredOrder {
  if (!isStatus(row.status)) throw new AppError('internal', `Order ${row.id} has an unknown status.`);
  return {
    version: row.version,
    state: {
      orderId: row.id,
      customerId: row.customer_id,
      status: row.status,
      amountCents: row.amount_cents,
      currency: row.currency,
      shipmentId: row.shipment_id,
    },
  };
}

/** The order's row, locked (FOR UPDATE) until the transaction ends; null when there is none. */
export async function loadOrderForUpdate(tx: Tx, orderId: string): Promise<StoredOrder | null> {
  const rows = await tx.$queryRaw<OrderRow[]>`
    SELECT id::text, customer_id, status, amount_cents, currency, shipment_id::text, version
    FROM orders WHERE id = ${orderId}::uuid FOR UPDATE`;
  return rows[0] ? storedOrderOf(rows[0]) : null;
}

/** Several orders' rows by id, locked in id order (so two batches never wait on each other in a cycle); missing ids are absent. */
export async function loadOrdersForUpdate(tx: Tx, orderIds: readonly string[]): Promise<Map<string, StoredOrder>> {
  const rows = await tx.$queryRaw<OrderRow[]>`
    SELECT id::text, customer_id, status, amount_cents, currency, shipment_id::text, version
    FROM orders WHERE id = ANY(${[...new Set(orderIds)]}::uuid[]) ORDER BY id FOR UPDATE`;
  return new Map(rows.map((row) => [row.id, storedOrderOf(row)]));
}

/**
 * Writes the order's new state. `expectedVersion` null means "new order"; the row's
 * version becomes expectedVersion + eventCount. Throws a retryable conflict when
 * someone else changed the row since it was read.
 */
export async function saveOrder(tx: Tx, next: OrderState, expectedVersion: number | null, eventCount: number, now: Date): Promise<number> {
  if (expectedVersion === null) {
    const { count } = await tx.order.createMany({
      data: [{ id: next.orderId, customerId: next.customerId, status: next.status, amountCents: next.amountCents, currency: next.currency, shipmentId: next.shipmentId, version: eventCount, placedAt: now, updatedAt: now }],
      skipDuplicates: true,
    });
    if (count === 0) throw new AppError('rejected', 'Order already exists.', { details: { currentStatus: null } });
    return eventCount;
  }
  const { count } = await tx.order.updateMany({
    where: { id: next.orderId, version: expectedVersion },
    data: { status: next.status, shipmentId: next.shipmentId, version: expectedVersion + eventCount, updatedAt: now },
  });
  if (count === 0) {
    throw new AppError('concurrent_update', `Order ${next.orderId} was changed concurrently (expected version ${expectedVersion}); retry.`);
  }
  return expectedVersion + eventCount;
}

/** Writes several existing orders' new states in one statement, each guarded by its version (see saveOrder). */
export async function saveOrders(tx: Tx, writes: readonly { next: OrderState; expectedVersion: number; eventCount: number }[], now: Date): Promise<void> {
  if (writes.length === 0) return;
  const col = <T>(f: (w: (typeof writes)[number]) => T) => writes.map(f);
  const updated = await tx.$queryRaw<Array<{ id: string }>>`
    UPDATE orders o SET status = w.status, shipment_id = w.shipment_id, version = w.expected + w.added, updated_at = ${now}
    FROM unnest(${col((w) => w.next.orderId)}::uuid[], ${col((w) => w.next.status)}::text[], ${col((w) => w.next.shipmentId)}::uuid[],
                ${col((w) => w.expectedVersion)}::int[], ${col((w) => w.eventCount)}::int[]) AS w(id, status, shipment_id, expected, added)
    WHERE o.id = w.id AND o.version = w.expected
    RETURNING o.id::text`;
  if (updated.length !== writes.length) {
    const done = new Set(updated.map((r) => r.id));
    const missed = writes.find((w) => !done.has(w.next.orderId))!;
    throw new AppError('concurrent_update', `Order ${missed.next.orderId} was changed concurrently (expected version ${missed.expectedVersion}); retry.`);
  }
}

/** Inserts several new orders in one statement; throws a rejection when any of them exists already (nothing is written then). */
export async function insertNewOrders(tx: Tx, orders: readonly OrderState[], now: Date): Promise<void> {
  if (orders.length === 0) return;
  const { count } = await tx.order.createMany({
    data: orders.map((o) => ({ id: o.orderId, customerId: o.customerId, status: o.status, amountCents: o.amountCents, currency: o.currency, shipmentId: o.shipmentId, version: 1, placedAt: now, updatedAt: now })),
    skipDuplicates: true,
  });
  if (count !== orders.length) throw new AppError('rejected', 'Order already exists.', { details: { currentStatus: null } });
}
