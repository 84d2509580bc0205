// order-saga: the compensation step of the order process (choreography). A
// failed payment cancels the order, so no order stays stuck in payment_failed.
import type { ConsumerDefinition } from '../../backbone/consumer-definition';
import type { PrismaTx } from '../../adapters/prisma/processor-ports';
import { orderEventTypes, type OrderEnvelopeOf } from '../orders/events';
import { runStep, type DemoConsumerDeps } from './run-step';

export const ORDER_SAGA_CONSUMER = 'order-saga';

export function orderSagaConsumer(deps: DemoConsumerDeps): ConsumerDefinition<PrismaTx, OrderEnvelopeOf<'payments.PaymentFailed'>> {
  return {
    name: ORDER_SAGA_CONSUMER,
    topics: [deps.topic],
    handles: [orderEventTypes.PaymentFailed],
    async handle(event, ctx) {
      await deps.faults.beforeHandle(ORDER_SAGA_CONSUMER, event.id);
      const { orderId, reason } = event.data;
      await runStep(ctx, deps, { kind: 'CancelOrder', orderId, reason: `payment failed: ${reason}`.slice(0, 500) }, 'cancelled');
    },
  };
}
