// shipping: dispatches paid orders, then delivers dispatched ones. A real
// carrier would report delivery days later; here delivery follows the
// ShipmentDispatched fact at once, so every demo order completes.
import { carrierFor } from '../orders/command-schemas';
import { orderEventTypes, type OrderEnvelopeOf } from '../orders/events';
import { commandConsumer, type DemoConsumerDeps } from './run-step';

export const SHIPPING_CONSUMER = 'shipping';

export function shippingConsumer(deps: DemoConsumerDeps) {
  type Handled = OrderEnvelopeOf<'payments.PaymentAuthorized' | 'shipping.ShipmentDispatched'>;
  return commandConsumer<Handled>(SHIPPING_CONSUMER, [orderEventTypes.PaymentAuthorized, orderEventTypes.ShipmentDispatched], deps, (event) => {
    const { orderId } = event.data;
    return event.type === orderEventTypes.PaymentAuthorized
      ? { command: { kind: 'DispatchShipment', orderId, shipmentId: deps.newId(), carrier: carrierFor(orderId) }, target: 'dispatched' }
      : { command: { kind: 'DeliverShipment', orderId }, target: 'delivered' };
  });
}
