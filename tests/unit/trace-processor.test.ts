// Trace ids that hold together: a dead letter that cannot be decoded takes its
// trace id from the traceparent header; the consumer span carries the OpenTelemetry
// messaging attributes.
import { describe, expect, it } from 'vitest';
import { deadLetterOf } from '@/lib/backbone/processor/dead-letter';
import { decodeIncoming, type Decoded } from '@/lib/backbone/processor/plan';
import { processSpanAttributes } from '@/lib/backbone/processor/span-attributes';
import { classifyError } from '@/lib/backbone/classify-error';
import { createOrderEventRegistry } from '@/lib/demo/orders/events';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const header = (key: string, value: string) => ({ key, valueBase64: Buffer.from(value).toString('base64') });

function undecodable(headers: ReturnType<typeof header>[]): Decoded {
  const message = { topic: 'orders', partition: 2, offset: '41', key: null, value: Buffer.from('{not json'), headers };
  return decodeIncoming(createOrderEventRegistry(), message, undefined);
}

function letterFor(decoded: Decoded) {
  if (decoded.result.ok) throw new Error('expected a decode failure');
  return deadLetterOf('payments', decoded, classifyError(decoded.result.error), [], new Date(0));
}

describe('dead letters keep their trace', () => {
  it('takes the trace id from the traceparent header when the bytes cannot be decoded', () => {
    expect(letterFor(undecodable([header('traceparent', `00-${traceId}-00f067aa0ba902b7-01`)])).traceId).toBe(traceId);
  });

  it('has no trace id (rather than a random one) without a valid header', () => {
    expect(letterFor(undecodable([])).traceId).toBeNull();
    expect(letterFor(undecodable([header('traceparent', 'garbage')])).traceId).toBeNull();
    expect(letterFor(undecodable([header('traceparent', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`)])).traceId).toBeNull();
  });
});

describe('consumer span attributes', () => {
  it('follow the OpenTelemetry messaging conventions', () => {
    const event = { id: 'e-1', type: 'orders.OrderPlaced', subject: 'o-1' } as never;
    expect(processSpanAttributes('payments', { event, message: { topic: 'orders', partition: 3, offset: '1234' } }, 2)).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.destination.name': 'orders',
      'messaging.destination.partition.id': '3',
      'messaging.consumer.group.name': 'payments',
      'messaging.kafka.offset': 1234,
      'messaging.message.id': 'e-1',
      'cloudevents.event_type': 'orders.OrderPlaced',
    });
  });
});
