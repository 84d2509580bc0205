// notifications: "sends" one message per order fact — one notifications row per
// event. The runtime's inbox row already makes redelivery harmless; the unique
// event_id (ON CONFLICT DO NOTHING) keeps it exactly-once even without it, e.g.
// when a dead letter is replayed after the inbox was pruned. Sequenced: an order's
// messages go out in order even when one of them is dead-lettered.
import { orderEventTypes, type OrderEnvelope } from '../orders/events';
import { demoConsumer, type DemoConsumerDeps } from './run-step';

export const NOTIFICATIONS_CONSUMER = 'notifications';

export function notificationsConsumer(deps: Pick<DemoConsumerDeps, 'faults' | 'topic'>) {
  const rowOf = (event: OrderEnvelope) => ({ eventId: event.id, orderId: event.data.orderId, kind: event.type });
  const consumer = demoConsumer<OrderEnvelope>(
    NOTIFICATIONS_CONSUMER,
    Object.values(orderEventTypes),
    deps,
    (event, ctx) => ctx.tx.notification.createMany({ data: [rowOf(event)], skipDuplicates: true }),
    async (items, ctx) => void (await ctx.tx.notification.createMany({ data: items.map((item) => rowOf(item.event)), skipDuplicates: true })),
  );
  // Sequenced dead-lettering (docs/dlq.md): a customer must not get "shipped" before
  // "order confirmed", so while one of an order's messages is dead-lettered, that
  // order's later ones are parked behind it and follow it when it is replayed or discarded.
  return { ...consumer, sequenced: true };
}
