// The outbox writer the demo's command side uses: every order fact goes to one topic.
import { createOutboxWriter, type OutboxWriter } from '../../adapters/outbox/outbox-writer';
import { ORDERS_SOURCE, ORDERS_TOPIC } from './events';

export function createOrderOutboxWriter(options: { now?: () => Date; newId?: () => string } = {}): OutboxWriter {
  return createOutboxWriter({ source: ORDERS_SOURCE, topicFor: () => ORDERS_TOPIC, ...options });
}
