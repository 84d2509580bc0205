import type { TopicSpec } from '../adapters/kafka/kafka-client';
import { ORDERS_TOPIC } from './orders/events';

/** The demo system's topics, with explicit partition counts (broker auto-creation is off). */
export function demoTopics(partitions = 6): TopicSpec[] {
  return [{ topic: ORDERS_TOPIC, partitions, config: { 'retention.ms': String(7 * 24 * 3600 * 1000) } }];
}
