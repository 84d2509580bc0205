// order-saga: the compensation step of the order process (choreography). A
// failed payment cancels the order, so no order stays stuck in payment_failed.
import { orderEventTypes, type OrderEnvelopeOf } from '../orders/events';
import { commandConsumer, type DemoConsumerDeps } from './run-step';

export const ORDER_SAGA_CONSUMER = 'order-saga';

export function orderSagaConsumer(deps: DemoConsumerDeps) {
  return commandConsumer<OrderEnvelopeOf<'payments.PaymentFailed'>>(ORDER_SAGA_CONSUMER, [orderEventTypes.PaymentFailed], deps, (event) => {
    const { orderId, reason } = event.data;
    return { command: { kind: 'CancelOrder', orderId, reason: `payment failed: ${reason}`.slice(0, 500) }, target: 'cancelled' };
  });
}
