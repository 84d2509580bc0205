// Kafka for integration tests: the real broker (KAFKA_BROKERS, default 127.0.0.1:9092),
// a unique topic per test that is deleted afterwards, and a reader that returns
// everything on a topic with its coordinates.
import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { createKafka, ensureTopics, headersToStrings } from '../../lib/adapters/kafka/kafka-client';

export function kafkaBrokers(): string[] {
  return (process.env.KAFKA_BROKERS || '127.0.0.1:9092').split(',').map((b) => b.trim()).filter(Boolean);
}

/** `t-<prefix>-<random>`: valid as a topic, group or client id. */
export function uniqueName(prefix: string): string {
  return `t-${prefix}-${randomBytes(5).toString('hex')}`;
}

export function testKafka(clientId = uniqueName('client')): Kafka {
  return createKafka({ brokers: kafkaBrokers(), clientId, logLevel: 'error' });
}

export interface TestTopic {
  topic: string;
  cleanup(): Promise<void>;
}

export async function createTestTopic(partitions = 3, prefix = 'topic'): Promise<TestTopic> {
  const topic = uniqueName(prefix);
  const admin = testKafka().admin();
  await admin.connect();
  try {
    await ensureTopics(admin, [{ topic, partitions }]);
  } finally {
    await admin.disconnect();
  }
  return {
    topic,
    async cleanup() {
      const a = testKafka().admin();
      await a.connect();
      try {
        await a.deleteTopics({ topics: [topic] }).catch(() => {});
      } finally {
        await a.disconnect();
      }
    },
  };
}

export interface ReadMessage {
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  partition: number;
  offset: string;
}

/**
 * Everything on the topic, read with a fresh consumer group from the beginning: waits
 * until at least `expected` messages arrived and every partition is read up to its end
 * (so duplicates beyond `expected` are returned too). Per partition in offset order.
 */
export async function readAll(topic: string, options: { expected: number; timeoutMs?: number }): Promise<ReadMessage[]> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const kafka = testKafka();
  const groupId = uniqueName('reader');
  const admin = kafka.admin();
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  const messages: ReadMessage[] = [];
  const next = new Map<number, bigint>(); // partition -> next offset to read
  await admin.connect();
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        messages.push({
          key: message.key?.toString('utf8') ?? null,
          value: message.value?.toString('utf8') ?? null,
          headers: headersToStrings(message.headers),
          partition,
          offset: message.offset,
        });
        next.set(partition, BigInt(message.offset) + 1n);
      },
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (messages.length >= options.expected) {
        const ends = await admin.fetchTopicOffsets(topic);
        if (ends.every((p) => (next.get(p.partition) ?? 0n) >= BigInt(p.high))) break;
      }
      if (Date.now() > deadline) throw new Error(`readAll(${topic}): ${messages.length} of ${options.expected} messages after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await consumer.disconnect().catch(() => {});
    await admin.deleteGroups([groupId]).catch(() => {});
    await admin.disconnect();
  }
  return [...messages].sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}
