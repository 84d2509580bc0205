// order-saga: the compensation step of the order process (choreography). A
// failed payment cancels the order, so no order stays stuck in payment_failed.
import { orderEventTypes, type OrderEnvelopeOf } from '../orders/events';
import { demoConsumer, runStep, type DemoConsumerDeps } from './run-step';

export const ORDER_SAGA_CONSUMER = 'order-saga';

export function orderSagaConsumer(deps: DemoConsumerDeps) {
  return demoConsumer<OrderEnvelopeOf<'payments.PaymentFailed'>>(ORDER_SAGA_CONSUMER, [orderEventTypes.PaymentFailed], deps, (event, ctx) => {
    const { orderId, reason } = event.data;
    return runStep(ctx, deps, { kind: 'CancelOrder', orderId, reason: `payment failed: ${reason}`.slice(0, 500) }, 'cancelled');
  });
}
