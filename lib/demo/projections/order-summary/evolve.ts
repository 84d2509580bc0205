// order-summary: one row per order, its status and milestone times. Pure and
// order-independent for one order's events (status is derived from which facts
// have been seen), so out-of-order delivery converges to the same row.
import type { OrderEnvelope, OrderEventType } from '../../orders/events';

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

export const orderSummaryHandles: readonly OrderEventType[] = [
  'orders.OrderPlaced', 'payments.PaymentAuthorized', 'payments.PaymentFailed',
  'shipping.ShipmentDispatched', 'shipping.ShipmentDelivered', 'orders.OrderCancelled',
];

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

function emptySummary(event: OrderEnvelope, time: Date): OrderSummaryRow {
  return {
    orderId: event.data.orderId, customerId: event.data.customerId, status: 'unknown', amountCents: 0, currency: 'XXX',
    placedAt: null, paidAt: null, paymentFailedAt: null, dispatchedAt: null, deliveredAt: null, cancelledAt: null,
    lastEventId: event.id, updatedAt: time,
  };
}

/** The milestone fields an event sets. */
function milestone(event: OrderEnvelope, time: Date): Partial<OrderSummaryRow> {
  switch (event.type) {
    case 'orders.OrderPlaced':
      return { placedAt: time, amountCents: event.data.amountCents, currency: event.data.currency };
    case 'payments.PaymentAuthorized':
      return { paidAt: time, amountCents: event.data.amountCents, currency: event.data.currency };
    case 'payments.PaymentFailed':
      return { paymentFailedAt: time };
    case 'shipping.ShipmentDispatched':
      return { dispatchedAt: time };
    case 'shipping.ShipmentDelivered':
      return { deliveredAt: time };
    case 'orders.OrderCancelled':
      return { cancelledAt: time };
  }
}

export function evolveOrderSummary(row: OrderSummaryRow | null, event: OrderEnvelope): OrderSummaryRow {
  const time = new Date(event.time);
  const base = row ?? emptySummary(event, time);
  const next: OrderSummaryRow = { ...base, ...milestone(event, time), lastEventId: event.id, updatedAt: base.updatedAt > time ? base.updatedAt : time };
  return { ...next, status: summaryStatus(next) };
}
