import { describe, expect, it } from 'vitest';
import { decodeMessage } from '@/lib/domain/events/decode';
import { createOrderEventRegistry } from '@/lib/demo/orders/events';

const registry = createOrderEventRegistry();
const newTrace = () => ({ traceId: 'f'.repeat(32), spanId: 'e'.repeat(16), flags: '01' });
const orderId = '0190a3c2-7a1b-7cde-8f00-123456789abc';

function envelope(overrides: Record<string, unknown> = {}) {
  return {
    specversion: '1.0',
    id: '0190a3c2-7a1b-7cde-8f00-000000000001',
    type: 'orders.OrderPlaced',
    version: 2,
    time: '2026-11-27T05:00:00.000Z',
    source: '/demo/orders',
    subject: orderId,
    trace_id: 'a'.repeat(32),
    traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`,
    data: { orderId, customerId: 'c-1', amountCents: 100, currency: 'EUR', channel: 'web' },
    ...overrides,
  };
}
const bytes = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
const decode = (value: Buffer | null, headers: Record<string, string> = {}, maxBytes?: number) =>
  decodeMessage(registry, { value, headers }, { newTrace, maxBytes });

describe('decodeMessage', () => {
  it('accepts a valid envelope', () => {
    const result = decode(bytes(envelope()));
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.envelope.type).toBe('orders.OrderPlaced');
      expect(result.envelope.trace_id).toBe('a'.repeat(32));
      expect(result.traceAssigned).toBe(false);
      expect(result.upcastFrom).toBeNull();
    }
  });

  it('upcasts v1 to the latest version', () => {
    const v1 = envelope({ version: 1, data: { orderId, customerId: 'c-1', amountCents: 100, currency: 'EUR' } });
    const result = decode(bytes(v1));
    expect(result.ok && result.envelope.version).toBe(2);
    expect(result.ok && (result.envelope.data as { channel: string }).channel).toBe('unknown');
    expect(result.ok && result.upcastFrom).toBe(1);
  });

  it.each([
    ['null payload', null, 'undecodable'],
    ['empty payload', Buffer.alloc(0), 'undecodable'],
    ['invalid UTF-8', Buffer.from([0xc3, 0x28]), 'undecodable'],
    ['truncated JSON', bytes('{"id":'), 'undecodable'],
    ['a number', bytes('42'), 'schema_invalid'],
    ['null JSON', bytes('null'), 'schema_invalid'],
    ['a request, not a fact', bytes(envelope({ type: 'orders.placeOrderPlease' })), 'schema_invalid'],
    ['an unknown type', bytes(envelope({ type: 'orders.OrderTeleported' })), 'unknown_type'],
    ['a future version', bytes(envelope({ version: 3 })), 'unsupported_version'],
    ['version zero', bytes(envelope({ version: 0 })), 'schema_invalid'],
    ['a string version', bytes(envelope({ version: '2' })), 'schema_invalid'],
    ['a bad id', bytes(envelope({ id: "1' OR '1'='1" })), 'schema_invalid'],
    ['a bad time', bytes(envelope({ time: 'yesterday' })), 'schema_invalid'],
    ['a huge subject', bytes(envelope({ subject: 'x'.repeat(10_000) })), 'schema_invalid'],
    ['data failing its schema', bytes(envelope({ data: { orderId, customerId: 'c-1', amountCents: 'lots', currency: 'EUR', channel: 'web' } })), 'schema_invalid'],
    ['prototype pollution attempt', bytes('{"__proto__":{"polluted":true},"id":"x"}'), 'schema_invalid'],
  ])('rejects %s', (_name, value, code) => {
    const result = decode(value as Buffer | null);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe(code);
      expect(result.error.retryable).toBe(false);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects payloads over the size limit before parsing them', () => {
    const result = decode(Buffer.alloc(2048, 0x7b), {}, 1024);
    expect(!result.ok && result.error.code).toBe('oversized');
  });

  it('keeps what it could read of an invalid envelope, for the DLQ', () => {
    const result = decode(bytes(envelope({ version: 99 })));
    expect(!result.ok && result.partial).toMatchObject({ type: 'orders.OrderPlaced', version: 99, subject: orderId, traceId: 'a'.repeat(32) });
  });

  it('takes the trace from the traceparent header when the envelope has none', () => {
    const result = decode(bytes(envelope({ trace_id: undefined, traceparent: undefined })), { traceparent: `00-${'c'.repeat(32)}-${'d'.repeat(16)}-01` });
    expect(result.ok && result.envelope.trace_id).toBe('c'.repeat(32));
    expect(result.ok && result.traceAssigned).toBe(false);
  });

  it('prefers the header traceparent as parent when it continues the envelope trace', () => {
    const header = `00-${'a'.repeat(32)}-${'9'.repeat(16)}-01`;
    expect(decode(bytes(envelope()), { traceparent: header }).ok && (decode(bytes(envelope()), { traceparent: header }) as { envelope: { traceparent: string } }).envelope.traceparent).toBe(header);
    const foreign = `00-${'c'.repeat(32)}-${'9'.repeat(16)}-01`;
    const kept = decode(bytes(envelope()), { traceparent: foreign });
    expect(kept.ok && kept.envelope.traceparent).toBe(`00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`);
  });

  it('assigns a new trace when there is none anywhere, and says so', () => {
    const result = decode(bytes(envelope({ trace_id: undefined, traceparent: undefined })), { traceparent: 'garbage' });
    expect(result.ok && result.envelope.trace_id).toBe('f'.repeat(32));
    expect(result.ok && result.traceAssigned).toBe(true);
  });
});
