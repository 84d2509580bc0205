// Poison messages: what a careless foreign producer might put on the orders
// topic. Each kind fails decoding in a different, classified way, so the
// console's dead-letter screens have every failure class to show.
import { ORDERS_SOURCE } from './orders/events';

export const POISON_KINDS = ['malformed-json', 'non-utf8', 'unknown-type', 'future-version', 'schema-invalid'] as const;
export type PoisonKind = (typeof POISON_KINDS)[number];

export interface PoisonMessage {
  kind: PoisonKind;
  key: string;
  value: Buffer;
}

function envelope(id: string, time: Date, subject: string, type: string, version: number, data: unknown): Buffer {
  // No trace_id / traceparent: foreign producers do not propagate our trace context.
  return Buffer.from(JSON.stringify({ specversion: '1.0', id, type, version, time: time.toISOString(), source: `${ORDERS_SOURCE}/legacy`, subject, datacontenttype: 'application/json', data }));
}

export function buildPoison(kind: PoisonKind, ctx: { newId: () => string; now: () => Date }): PoisonMessage {
  const id = ctx.newId();
  const orderId = ctx.newId();
  const time = ctx.now();
  switch (kind) {
    case 'malformed-json':
      return { kind, key: orderId, value: Buffer.from(`{"id":"${id}","type":"orders.OrderPlaced","version":2,"data":{"orderId":"${orderId}",`) };
    case 'non-utf8':
      // A Latin-1 / binary payload: invalid UTF-8 sequences (lone continuation byte, 0xFF).
      return { kind, key: orderId, value: Buffer.from([0x7b, 0x22, 0x69, 0x64, 0x22, 0x3a, 0x22, 0xe9, 0x80, 0xff, 0xfe, 0x22, 0x7d]) };
    case 'unknown-type':
      return { kind, key: orderId, value: envelope(id, time, orderId, 'orders.OrderTeleported', 1, { orderId, customerId: 'c-1', destination: 'Mars' }) };
    case 'future-version':
      return {
        kind,
        key: orderId,
        value: envelope(id, time, orderId, 'orders.OrderPlaced', 99, { orderId, customerId: 'c-1', amountCents: 1999, currency: 'EUR', channel: 'web', loyaltyTier: 'gold' }),
      };
    case 'schema-invalid':
      return {
        kind,
        key: orderId,
        value: envelope(id, time, orderId, 'orders.OrderPlaced', 2, { orderId: 'order-42', customerId: '', amountCents: -1999, currency: 'euro', channel: 'fax' }),
      };
  }
}
