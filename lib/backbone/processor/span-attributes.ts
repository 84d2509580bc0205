// The consumer span's attributes, after the OpenTelemetry messaging semantic
// conventions (messaging.*; Kafka specifics under messaging.kafka.*) plus the
// CloudEvents ones for the envelope. Pure. The relay's send span uses the same keys
// (lib/adapters/outbox/relay-publisher.ts), so a tracing UI can join them.
import type { BatchItem } from '../consumer-definition';

export function processSpanAttributes(consumer: string, item: BatchItem, attempt: number): Record<string, string | number> {
  const offset = Number(item.message.offset);
  return {
    'messaging.system': 'kafka',
    'messaging.operation.type': 'process',
    'messaging.operation.name': 'process',
    'messaging.destination.name': item.message.topic,
    'messaging.destination.partition.id': String(item.message.partition),
    // The consumer's name; its Kafka group id is `<KAFKA_GROUP_PREFIX>.<name>` (the processor does not know the prefix).
    'messaging.consumer.group.name': consumer,
    ...(Number.isSafeInteger(offset) ? { 'messaging.kafka.offset': offset } : {}),
    'messaging.message.id': item.event.id,
    'cloudevents.event_id': item.event.id,
    'cloudevents.event_type': item.event.type,
    'cloudevents.event_subject': item.event.subject,
    'signalbox.attempt': attempt,
  };
}
