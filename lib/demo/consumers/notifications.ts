// notifications: "sends" one message per order fact — one notifications row per
// event. The runtime's inbox row already makes redelivery harmless; the unique
// event_id (ON CONFLICT DO NOTHING) keeps it exactly-once even without it, e.g.
// when a dead letter is replayed after the inbox was pruned.
import { orderEventTypes, type OrderEnvelope } from '../orders/events';
import { demoConsumer, type DemoConsumerDeps } from './run-step';

export const NOTIFICATIONS_CONSUMER = 'notifications';

export function notificationsConsumer(deps: Pick<DemoConsumerDeps, 'faults' | 'topic'>) {
  return demoConsumer<OrderEnvelope>(NOTIFICATIONS_CONSUMER, Object.values(orderEventTypes), deps, (event, ctx) =>
    ctx.tx.notification.createMany({ data: [{ eventId: event.id, orderId: event.data.orderId, kind: event.type }], skipDuplicates: true }),
  );
}
