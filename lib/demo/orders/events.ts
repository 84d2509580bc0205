// The demo order flow's facts and their schemas. All of them are about one
// order (subject = orderId) and travel on one topic, so each order's events
// stay in order on one partition.
import { z } from 'zod';
import { EventRegistry } from '../../domain/events/registry';

export const ORDERS_TOPIC = 'orders.lifecycle.v1';
export const ORDERS_SOURCE = '/demo/orders';

const orderRef = { orderId: z.string().uuid(), customerId: z.string().min(1).max(64) };
const money = { amountCents: z.number().int().min(1).max(100_000_000), currency: z.string().regex(/^[A-Z]{3}$/) };

export const orderPlacedV1 = z.object({ ...orderRef, ...money });
export const orderPlacedV2 = z.object({ ...orderRef, ...money, channel: z.enum(['web', 'api', 'cli', 'generator', 'unknown']) });
export const paymentAuthorizedV1 = z.object({ ...orderRef, ...money, paymentId: z.string().uuid() });
export const paymentFailedV1 = z.object({ ...orderRef, reason: z.string().min(1).max(500) });
export const shipmentDispatchedV1 = z.object({ ...orderRef, shipmentId: z.string().uuid(), carrier: z.string().min(1).max(64) });
export const shipmentDeliveredV1 = z.object({ ...orderRef, shipmentId: z.string().uuid() });
export const orderCancelledV1 = z.object({ ...orderRef, reason: z.string().min(1).max(500) });

export const orderEventTypes = {
  OrderPlaced: 'orders.OrderPlaced',
  PaymentAuthorized: 'payments.PaymentAuthorized',
  PaymentFailed: 'payments.PaymentFailed',
  ShipmentDispatched: 'shipping.ShipmentDispatched',
  ShipmentDelivered: 'shipping.ShipmentDelivered',
  OrderCancelled: 'orders.OrderCancelled',
} as const;

export type OrderEvent =
  | { type: 'orders.OrderPlaced'; data: z.infer<typeof orderPlacedV2> }
  | { type: 'payments.PaymentAuthorized'; data: z.infer<typeof paymentAuthorizedV1> }
  | { type: 'payments.PaymentFailed'; data: z.infer<typeof paymentFailedV1> }
  | { type: 'shipping.ShipmentDispatched'; data: z.infer<typeof shipmentDispatchedV1> }
  | { type: 'shipping.ShipmentDelivered'; data: z.infer<typeof shipmentDeliveredV1> }
  | { type: 'orders.OrderCancelled'; data: z.infer<typeof orderCancelledV1> };

/** Latest schema version of each type: what producers write. */
export const latestVersion: Record<OrderEvent['type'], number> = {
  'orders.OrderPlaced': 2,
  'payments.PaymentAuthorized': 1,
  'payments.PaymentFailed': 1,
  'shipping.ShipmentDispatched': 1,
  'shipping.ShipmentDelivered': 1,
  'orders.OrderCancelled': 1,
};

export function createOrderEventRegistry(): EventRegistry {
  return new EventRegistry([
    {
      type: orderEventTypes.OrderPlaced,
      versions: [
        // v1 had no channel; read as "unknown".
        { version: 1, schema: orderPlacedV1, upcast: (d) => ({ ...(d as object), channel: 'unknown' }) },
        { version: 2, schema: orderPlacedV2 },
      ],
    },
    { type: orderEventTypes.PaymentAuthorized, versions: [{ version: 1, schema: paymentAuthorizedV1 }] },
    { type: orderEventTypes.PaymentFailed, versions: [{ version: 1, schema: paymentFailedV1 }] },
    { type: orderEventTypes.ShipmentDispatched, versions: [{ version: 1, schema: shipmentDispatchedV1 }] },
    { type: orderEventTypes.ShipmentDelivered, versions: [{ version: 1, schema: shipmentDeliveredV1 }] },
    { type: orderEventTypes.OrderCancelled, versions: [{ version: 1, schema: orderCancelledV1 }] },
  ]);
}
