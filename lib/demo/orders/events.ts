// The demo order flow's facts and their schemas. All of them are about one
// order (subject = orderId) and travel on one topic, so each order's events
// stay in order on one partition.
import { z } from 'zod';
import { topicNamespace } from '../../config/topic-prefix-env';
import { EventRegistry, type EventMap, type EventOf, type EventType, type FactOf } from '../../domain/events/registry';

/** The orders topic of the demo system whose topics start with `namespace` ('' or `<prefix>.`). */
export function ordersTopicFor(namespace: string): string {
  return `${namespace}orders.lifecycle.v1`;
}

/** This process's orders topic: `orders.lifecycle.v1`, after KAFKA_TOPIC_PREFIX when set. */
export const ORDERS_TOPIC = ordersTopicFor(topicNamespace(process.env));
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

/** The demo's event map: type → newest schema, with older versions and their upcasts. */
export const orderEvents = {
  [orderEventTypes.OrderPlaced]: {
    schema: orderPlacedV2,
    // v1 had no channel; read as "unknown".
    older: [{ schema: orderPlacedV1, upcast: (d: z.output<typeof orderPlacedV1>) => ({ ...d, channel: 'unknown' }) }],
  },
  [orderEventTypes.PaymentAuthorized]: { schema: paymentAuthorizedV1 },
  [orderEventTypes.PaymentFailed]: { schema: paymentFailedV1 },
  [orderEventTypes.ShipmentDispatched]: { schema: shipmentDispatchedV1 },
  [orderEventTypes.ShipmentDelivered]: { schema: shipmentDeliveredV1 },
  [orderEventTypes.OrderCancelled]: { schema: orderCancelledV1 },
} satisfies EventMap;

type OrderEventMap = typeof orderEvents;
export type OrderEventType = EventType<OrderEventMap>;
/** An order fact as the decider produces it: type and data. */
export type OrderEvent = FactOf<OrderEventMap>;
/** A decoded order event as handlers and projections get it. */
export type OrderEnvelope = EventOf<OrderEventMap>;
export type OrderEnvelopeOf<T extends OrderEventType> = Extract<OrderEnvelope, { type: T }>;

export function createOrderEventRegistry(): EventRegistry<OrderEventMap> {
  return new EventRegistry(orderEvents);
}

/** Newest schema version of each type: what producers write. */
export const latestVersion = Object.fromEntries(
  Object.entries(orderEvents).map(([type, d]) => [type, ('older' in d ? d.older.length : 0) + 1]),
) as Record<OrderEventType, number>;
