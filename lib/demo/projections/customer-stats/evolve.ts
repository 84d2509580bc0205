// customer-stats: per customer, orders placed and cancelled and authorised
// revenue. Counters only add, so any delivery order converges to the same row.
import type { OrderEnvelopeOf } from '../../orders/events';

export interface CustomerStatsRow {
  customerId: string;
  ordersPlaced: number;
  ordersCancelled: number;
  revenueCents: bigint;
  lastEventId: string;
  updatedAt: Date;
}

export type CustomerStatsEvent = OrderEnvelopeOf<'orders.OrderPlaced' | 'orders.OrderCancelled' | 'payments.PaymentAuthorized'>;

export const customerStatsHandles: readonly CustomerStatsEvent['type'][] = ['orders.OrderPlaced', 'orders.OrderCancelled', 'payments.PaymentAuthorized'];

function increments(event: CustomerStatsEvent): { placed: number; cancelled: number; revenue: bigint } {
  switch (event.type) {
    case 'orders.OrderPlaced':
      return { placed: 1, cancelled: 0, revenue: 0n };
    case 'orders.OrderCancelled':
      return { placed: 0, cancelled: 1, revenue: 0n };
    case 'payments.PaymentAuthorized':
      return { placed: 0, cancelled: 0, revenue: BigInt(event.data.amountCents) };
  }
}

export function evolveCustomerStats(row: CustomerStatsRow | null, event: CustomerStatsEvent): CustomerStatsRow {
  const time = new Date(event.time);
  const counts = increments(event);
  const base = row ?? { customerId: event.data.customerId, ordersPlaced: 0, ordersCancelled: 0, revenueCents: 0n, lastEventId: event.id, updatedAt: time };
  return {
    ...base,
    ordersPlaced: base.ordersPlaced + counts.placed,
    ordersCancelled: base.ordersCancelled + counts.cancelled,
    revenueCents: base.revenueCents + counts.revenue,
    lastEventId: event.id,
    updatedAt: base.updatedAt > time ? base.updatedAt : time,
  };
}
