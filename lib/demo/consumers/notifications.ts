// notifications: "sends" one message per order fact — one notifications row per
// event. The runtime's inbox row already makes redelivery harmless; the unique
// event_id (ON CONFLICT DO NOTHING) keeps it exactly-once even without it, e.g.
// when a dead letter is replayed after the inbox was pruned.
import { z } from 'zod';
import type { ConsumerDefinition } from '../../backbone/consumer-definition';
import type { PrismaTx } from '../../adapters/prisma/processor-ports';
import { orderEventTypes } from '../orders/events';
import { dataOf, type DemoConsumerDeps } from './run-step';

export const NOTIFICATIONS_CONSUMER = 'notifications';

const aboutAnOrder = z.object({ orderId: z.string().uuid() });

export function notificationsConsumer(deps: Pick<DemoConsumerDeps, 'faults' | 'topic'>): ConsumerDefinition<PrismaTx> {
  return {
    name: NOTIFICATIONS_CONSUMER,
    topics: [deps.topic],
    handles: Object.values(orderEventTypes),
    async handle(event, ctx) {
      await deps.faults.beforeHandle(NOTIFICATIONS_CONSUMER, event.id);
      const { orderId } = dataOf(aboutAnOrder, event);
      await ctx.tx.notification.createMany({ data: [{ eventId: event.id, orderId, kind: event.type }], skipDuplicates: true });
    },
  };
}
