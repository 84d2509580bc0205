// notifications: "sends" one message per order fact — one notifications row per
// event. The runtime's inbox row already makes redelivery harmless; the unique
// event_id (ON CONFLICT DO NOTHING) keeps it exactly-once even without it, e.g.
// when a dead letter is replayed after the inbox was pruned.
import type { ConsumerDefinition } from '../../backbone/consumer-definition';
import type { PrismaTx } from '../../adapters/prisma/processor-ports';
import { orderEventTypes, type OrderEnvelope } from '../orders/events';
import type { DemoConsumerDeps } from './run-step';

export const NOTIFICATIONS_CONSUMER = 'notifications';

export function notificationsConsumer(deps: Pick<DemoConsumerDeps, 'faults' | 'topic'>): ConsumerDefinition<PrismaTx, OrderEnvelope> {
  return {
    name: NOTIFICATIONS_CONSUMER,
    topics: [deps.topic],
    handles: Object.values(orderEventTypes),
    async handle(event, ctx) {
      await deps.faults.beforeHandle(NOTIFICATIONS_CONSUMER, event.id);
      const { orderId } = event.data;
      await ctx.tx.notification.createMany({ data: [{ eventId: event.id, orderId, kind: event.type }], skipDuplicates: true });
    },
  };
}
