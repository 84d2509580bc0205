// The consumers every fault test runs, on a test's own topic: an effect
// consumer (one notifications row per event, slow enough that a kill lands
// inside its transactions) and the demo's two projections. Used in-process and
// by tests/support/processes/consumer-process.ts, which tests SIGKILL.
import { projectionConsumer } from '@/lib/backbone/projection';
import type { ConsumerDefinition } from '@/lib/backbone/consumer-definition';
import type { PrismaTx } from '@/lib/adapters/prisma/processor-ports';
import { customerStatsProjection, customerStatsStore } from '@/lib/demo/projections/customer-stats';
import { orderSummaryHandles, orderSummaryProjection, orderSummaryStore } from '@/lib/demo/projections/order-summary';
import { latestVersion, type OrderEvent } from '@/lib/demo/orders/events';
import type { NewEvent } from '@/lib/domain/events/envelope';
import { randomUUID } from 'node:crypto';

export function pipelineConsumers(topic: string, options: { handlerDelayMs?: number } = {}): ConsumerDefinition<PrismaTx>[] {
  const delay = options.handlerDelayMs ?? 0;
  const effects: ConsumerDefinition<PrismaTx> = {
    name: 'effects',
    topics: [topic],
    handles: orderSummaryHandles,
    retry: { maxAttempts: 10, baseMs: 50, maxMs: 500 },
    async handle(event, ctx) {
      if (delay) await new Promise((r) => setTimeout(r, delay));
      const data = event.data as { orderId: string };
      await ctx.tx.notification.create({ data: { eventId: event.id, orderId: data.orderId, kind: event.type } });
    },
  };
  return [
    effects,
    projectionConsumer({ ...orderSummaryProjection, topics: [topic] }, orderSummaryStore()),
    projectionConsumer({ ...customerStatsProjection, topics: [topic] }, customerStatsStore()),
  ];
}

/** One order's facts, placed → paid → dispatched → delivered (or cancelled after payment). */
export function orderHistory(n: number): NewEvent[] {
  const orderId = randomUUID();
  const ref = { orderId, customerId: `c-${n % 13}` };
  const facts: OrderEvent[] = [
    { type: 'orders.OrderPlaced', data: { ...ref, amountCents: 1000 + n, currency: 'EUR', channel: 'api' } },
    { type: 'payments.PaymentAuthorized', data: { ...ref, amountCents: 1000 + n, currency: 'EUR', paymentId: randomUUID() } },
  ];
  if (n % 4 === 0) facts.push({ type: 'orders.OrderCancelled', data: { ...ref, reason: 'changed mind' } });
  else {
    const shipmentId = randomUUID();
    facts.push({ type: 'shipping.ShipmentDispatched', data: { ...ref, shipmentId, carrier: 'ups' } });
    facts.push({ type: 'shipping.ShipmentDelivered', data: { ...ref, shipmentId } });
  }
  return asNewEvents(orderId, facts);
}

/** One order of the given customer for its stats: placed, paid, and every third one (`n % 3 === 0`) cancelled. */
export function customerOrder(customerId: string, n: number): NewEvent[] {
  const orderId = randomUUID();
  const ref = { orderId, customerId };
  const facts: OrderEvent[] = [
    { type: 'orders.OrderPlaced', data: { ...ref, amountCents: 100 + n, currency: 'EUR', channel: 'api' } },
    { type: 'payments.PaymentAuthorized', data: { ...ref, amountCents: 100 + n, currency: 'EUR', paymentId: randomUUID() } },
  ];
  if (n % 3 === 0) facts.push({ type: 'orders.OrderCancelled', data: { ...ref, reason: 'changed mind' } });
  return asNewEvents(orderId, facts);
}

/** An order's facts as outbox events at their latest version, keyed by the order. */
function asNewEvents(orderId: string, facts: OrderEvent[]): NewEvent[] {
  return facts.map((f) => ({ type: f.type, version: latestVersion[f.type], subject: orderId, data: f.data }));
}
