// shipping: dispatches paid orders, then delivers dispatched ones. A real
// carrier would report delivery days later; here delivery follows the
// ShipmentDispatched fact at once, so every demo order completes.
import type { ConsumerDefinition } from '../../backbone/consumer-definition';
import type { PrismaTx } from '../../adapters/prisma/processor-ports';
import { carrierFor } from '../orders/command-schemas';
import { orderEventTypes, type OrderEnvelopeOf } from '../orders/events';
import { runStep, type DemoConsumerDeps } from './run-step';

export const SHIPPING_CONSUMER = 'shipping';

export function shippingConsumer(deps: DemoConsumerDeps): ConsumerDefinition<PrismaTx, OrderEnvelopeOf<'payments.PaymentAuthorized' | 'shipping.ShipmentDispatched'>> {
  return {
    name: SHIPPING_CONSUMER,
    topics: [deps.topic],
    handles: [orderEventTypes.PaymentAuthorized, orderEventTypes.ShipmentDispatched],
    async handle(event, ctx) {
      await deps.faults.beforeHandle(SHIPPING_CONSUMER, event.id);
      const { orderId } = event.data;
      if (event.type === orderEventTypes.PaymentAuthorized) {
        await runStep(ctx, deps, { kind: 'DispatchShipment', orderId, shipmentId: deps.newId(), carrier: carrierFor(orderId) }, 'dispatched');
      } else {
        await runStep(ctx, deps, { kind: 'DeliverShipment', orderId }, 'delivered');
      }
    },
  };
}
