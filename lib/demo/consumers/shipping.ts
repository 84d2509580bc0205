// shipping: dispatches paid orders, then delivers dispatched ones. A real
// carrier would report delivery days later; here delivery follows the
// ShipmentDispatched fact at once, so every demo order completes.
import { carrierFor } from '../orders/command-schemas';
import { orderEventTypes, type OrderEnvelopeOf } from '../orders/events';
import { demoConsumer, runStep, type DemoConsumerDeps } from './run-step';

export const SHIPPING_CONSUMER = 'shipping';

export function shippingConsumer(deps: DemoConsumerDeps) {
  return demoConsumer<OrderEnvelopeOf<'payments.PaymentAuthorized' | 'shipping.ShipmentDispatched'>>(SHIPPING_CONSUMER, [orderEventTypes.PaymentAuthorized, orderEventTypes.ShipmentDispatched], deps, (event, ctx) => {
    const { orderId } = event.data;
    return event.type === orderEventTypes.PaymentAuthorized
      ? runStep(ctx, deps, { kind: 'DispatchShipment', orderId, shipmentId: deps.newId(), carrier: carrierFor(orderId) }, 'dispatched')
      : runStep(ctx, deps, { kind: 'DeliverShipment', orderId }, 'delivered');
  });
}
