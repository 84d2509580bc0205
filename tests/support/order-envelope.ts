// An orders.OrderPlaced (v2) CloudEvents envelope as the int tests send it to Kafka: a fresh
// event id (UUIDv7) and order id (the subject) unless given. `trace` fields go before `data`
// (as the producers write them); `overrides` replace any envelope field, `data` any data field.
import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

export interface OrderEnvelopeOptions {
  orderId?: string;
  /** The envelope's `source` ('/test' unless given). */
  source?: string;
  /** The data's customerId ('c-1' unless given). */
  customerId?: string;
  /** Trace fields (trace_id, traceparent); none unless given. */
  trace?: Record<string, string>;
  overrides?: Record<string, unknown>;
  data?: Record<string, unknown>;
}

export function orderPlacedEnvelope(o: OrderEnvelopeOptions = {}) {
  const orderId = o.orderId ?? randomUUID();
  return {
    specversion: '1.0',
    id: uuidv7(),
    type: 'orders.OrderPlaced',
    version: 2,
    time: new Date().toISOString(),
    source: o.source ?? '/test',
    subject: orderId,
    datacontenttype: 'application/json',
    ...o.trace,
    data: { orderId, customerId: o.customerId ?? 'c-1', amountCents: 1000, currency: 'EUR', channel: 'api', ...o.data },
    ...o.overrides,
  };
}

export type OrderPlacedEnvelope = ReturnType<typeof orderPlacedEnvelope>;
