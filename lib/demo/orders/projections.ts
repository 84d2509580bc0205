// The demo's read models as pure evolve functions over one row each.
// Both are order-independent for one order's events (status is derived from
// which facts have been seen, counters only add), so out-of-order delivery
// converges to the same row.
import type { OrderEvent } from './events';

export interface OrderSummaryRow {
  orderId: string;
  customerId: string;
  status: string;
  amountCents: number;
  currency: string;
  placedAt: Date | null;
  paidAt: Date | null;
  paymentFailedAt: Date | null;
  dispatchedAt: Date | null;
  deliveredAt: Date | null;
  cancelledAt: Date | null;
  lastEventId: string;
  updatedAt: Date;
}

export interface CustomerStatsRow {
  customerId: string;
  ordersPlaced: number;
  ordersCancelled: number;
  revenueCents: bigint;
  lastEventId: string;
  updatedAt: Date;
}

export interface AppliedEvent {
  id: string;
  time: Date;
  event: OrderEvent;
}

/** The status an order's summary shows, from the facts seen so far (latest stage wins). */
export function summaryStatus(row: Pick<OrderSummaryRow, 'placedAt' | 'paidAt' | 'paymentFailedAt' | 'dispatchedAt' | 'deliveredAt' | 'cancelledAt'>): string {
  if (row.cancelledAt) return 'cancelled';
  if (row.deliveredAt) return 'delivered';
  if (row.dispatchedAt) return 'dispatched';
  if (row.paidAt) return 'paid';
  if (row.paymentFailedAt) return 'payment_failed';
  if (row.placedAt) return 'placed';
  return 'unknown';
}

export function evolveOrderSummary(row: OrderSummaryRow | null, applied: AppliedEvent): OrderSummaryRow {
  const { event, time, id } = applied;
  const base: OrderSummaryRow = row ?? {
    orderId: event.data.orderId,
    customerId: event.data.customerId,
    status: 'unknown',
    amountCents: 0,
    currency: 'XXX',
    placedAt: null,
    paidAt: null,
    paymentFailedAt: null,
    dispatchedAt: null,
    deliveredAt: null,
    cancelledAt: null,
    lastEventId: id,
    updatedAt: time,
  };
  const next: OrderSummaryRow = { ...base, lastEventId: id, updatedAt: base.updatedAt > time ? base.updatedAt : time };
  switch (event.type) {
    case 'orders.OrderPlaced':
      Object.assign(next, { placedAt: time, amountCents: event.data.amountCents, currency: event.data.currency });
      break;
    case 'payments.PaymentAuthorized':
      Object.assign(next, { paidAt: time, amountCents: event.data.amountCents, currency: event.data.currency });
      break;
    case 'payments.PaymentFailed':
      next.paymentFailedAt = time;
      break;
    case 'shipping.ShipmentDispatched':
      next.dispatchedAt = time;
      break;
    case 'shipping.ShipmentDelivered':
      next.deliveredAt = time;
      break;
    case 'orders.OrderCancelled':
      next.cancelledAt = time;
      break;
  }
  next.status = summaryStatus(next);
  return next;
}

export function evolveCustomerStats(row: CustomerStatsRow | null, applied: AppliedEvent): CustomerStatsRow | null {
  const { event, time, id } = applied;
  const counts =
    event.type === 'orders.OrderPlaced'
      ? { placed: 1, cancelled: 0, revenue: 0n }
      : event.type === 'orders.OrderCancelled'
        ? { placed: 0, cancelled: 1, revenue: 0n }
        : event.type === 'payments.PaymentAuthorized'
          ? { placed: 0, cancelled: 0, revenue: BigInt(event.data.amountCents) }
          : null;
  if (!counts) return row; // other facts do not change customer figures
  const base = row ?? { customerId: event.data.customerId, ordersPlaced: 0, ordersCancelled: 0, revenueCents: 0n, lastEventId: id, updatedAt: time };
  return {
    ...base,
    ordersPlaced: base.ordersPlaced + counts.placed,
    ordersCancelled: base.ordersCancelled + counts.cancelled,
    revenueCents: base.revenueCents + counts.revenue,
    lastEventId: id,
    updatedAt: base.updatedAt > time ? base.updatedAt : time,
  };
}

export const orderSummaryHandles: readonly OrderEvent['type'][] = [
  'orders.OrderPlaced', 'payments.PaymentAuthorized', 'payments.PaymentFailed',
  'shipping.ShipmentDispatched', 'shipping.ShipmentDelivered', 'orders.OrderCancelled',
];
export const customerStatsHandles: readonly OrderEvent['type'][] = ['orders.OrderPlaced', 'orders.OrderCancelled', 'payments.PaymentAuthorized'];
