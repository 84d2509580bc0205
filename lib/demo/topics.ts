import type { TopicSpec } from '../adapters/kafka/kafka-client';
import { ORDERS_TOPIC } from './orders/events';

/**
 * The demo system's topics, with explicit partition counts (broker auto-creation is off):
 * this process's (KAFKA_TOPIC_PREFIX), or another demo system's orders topic.
 */
export function demoTopics(partitions = 6, ordersTopic = ORDERS_TOPIC): TopicSpec[] {
  return [{ topic: ordersTopic, partitions, config: { 'retention.ms': String(7 * 24 * 3600 * 1000) } }];
}
