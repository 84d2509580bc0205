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

/** The order's row, locked (FOR UPDATE) until the transaction ends; null when there is none. */
export async function loadOrderForUpdate(tx: Tx, orderId: string): Promise<StoredOrder | null> {
  const rows = await tx.$queryRaw<OrderRow[]>`
    SELECT id::text, customer_id, status, amount_cents, currency, shipment_id::text, version
    FROM orders WHERE id = ${orderId}::uuid FOR UPDATE`;
  const row = rows[0];
  if (!row) return null;
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
