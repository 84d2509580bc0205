import { describe, expect, it } from 'vitest';
import { buildEnvelope } from '@/lib/domain/events/envelope';
import type { OrderEnvelope, OrderEvent } from '@/lib/demo/orders/events';
import { evolveCustomerStats, type CustomerStatsEvent, type CustomerStatsRow } from '@/lib/demo/projections/customer-stats';
import { evolveOrderSummary, type OrderSummaryRow } from '@/lib/demo/projections/order-summary';

const orderId = '01a21b6e-a841-754e-9215-1a8ab6890278';
const base = { orderId, customerId: 'c-1' };
const t0 = Date.parse('2026-11-27T10:00:00Z');

type AppliedEvent = OrderEnvelope;
const trace = { traceId: 'a'.repeat(32), traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` };

/** The n-th event of the order, as a decoded envelope (typed by the event map). */
function applied<E extends OrderEvent>(n: number, event: E) {
  const id = `00000000-0000-7000-8000-00000000000${n}`;
  return { ...buildEnvelope<E['data']>({ type: event.type, data: event.data, version: 1, subject: orderId }, { id, time: new Date(t0 + n * 1000), source: '/test', ...trace }), ...event };
}
const timeOf = (event: OrderEnvelope) => new Date(event.time);
const forStats = (events: readonly OrderEnvelope[]) => events.filter((e): e is CustomerStatsEvent => e.type !== 'payments.PaymentFailed' && !e.type.startsWith('shipping.'));

const happy: AppliedEvent[] = [
  applied(1, { type: 'orders.OrderPlaced', data: { ...base, amountCents: 1999, currency: 'EUR', channel: 'api' } }),
  applied(2, { type: 'payments.PaymentAuthorized', data: { ...base, amountCents: 1999, currency: 'EUR', paymentId: '01a21b6e-de48-77b9-b246-82c143bd3672' } }),
  applied(3, { type: 'shipping.ShipmentDispatched', data: { ...base, shipmentId: '01a21b6e-eb50-760a-b09d-35a66dceb82a', carrier: 'dhl' } }),
  applied(4, { type: 'shipping.ShipmentDelivered', data: { ...base, shipmentId: '01a21b6e-eb50-760a-b09d-35a66dceb82a' } }),
];
const compensated: AppliedEvent[] = [
  applied(1, { type: 'orders.OrderPlaced', data: { ...base, amountCents: 900_000, currency: 'USD', channel: 'generator' } }),
  applied(2, { type: 'payments.PaymentFailed', data: { ...base, reason: 'over limit' } }),
  applied(3, { type: 'orders.OrderCancelled', data: { ...base, reason: 'payment failed: over limit' } }),
];
const cancelledAfterPayment: AppliedEvent[] = [
  applied(1, { type: 'orders.OrderPlaced', data: { ...base, amountCents: 500, currency: 'GBP', channel: 'cli' } }),
  applied(2, { type: 'payments.PaymentAuthorized', data: { ...base, amountCents: 500, currency: 'GBP', paymentId: '01a21b6e-de48-77b9-b246-82c143bd3672' } }),
  applied(3, { type: 'orders.OrderCancelled', data: { ...base, reason: 'customer' } }),
];

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

const summaryOf = (events: AppliedEvent[]) => events.reduce<OrderSummaryRow | null>(evolveOrderSummary, null)!;
const statsOf = (events: AppliedEvent[]) => forStats(events).reduce<CustomerStatsRow | null>(evolveCustomerStats, null)!;
// lastEventId records which event came last, which by definition depends on the order.
const comparable = <R extends { lastEventId: string }>({ lastEventId: _ignored, ...rest }: R) => rest;

describe.each([
  ['delivered order', happy, 'delivered'],
  ['payment failed, compensated', compensated, 'cancelled'],
  ['cancelled after payment', cancelledAfterPayment, 'cancelled'],
] as const)('projections converge under any delivery order: %s', (_name, events, status) => {
  const inOrderSummary = summaryOf([...events]);
  const inOrderStats = statsOf([...events]);

  it(`in order: status ${status}`, () => {
    expect(inOrderSummary.status).toBe(status);
    expect(inOrderSummary.updatedAt).toEqual(timeOf(events.at(-1)!));
  });

  it(`all ${permutations(events).length} permutations give the same order summary`, () => {
    for (const p of permutations(events)) expect(comparable(summaryOf(p))).toEqual(comparable(inOrderSummary));
  });

  it('all permutations give the same customer counters', () => {
    for (const p of permutations(events)) expect(comparable(statsOf(p))).toEqual(comparable(inOrderStats));
  });
});

describe('projection figures', () => {
  it('customer stats count placed, cancelled and authorised revenue', () => {
    const stats = statsOf([...happy, ...cancelledAfterPayment.map((a, i) => ({ ...a, id: `10000000-0000-7000-8000-00000000000${i}` }))]);
    expect(stats).toMatchObject({ customerId: 'c-1', ordersPlaced: 2, ordersCancelled: 1, revenueCents: 2499n });
  });

  it('order summary keeps the amount and every milestone time', () => {
    const row = summaryOf([...happy].reverse());
    expect(row).toMatchObject({ amountCents: 1999, currency: 'EUR', placedAt: timeOf(happy[0]!), paidAt: timeOf(happy[1]!), dispatchedAt: timeOf(happy[2]!), deliveredAt: timeOf(happy[3]!), cancelledAt: null });
  });
});
