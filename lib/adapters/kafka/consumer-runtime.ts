// Runs one ConsumerDefinition as a kafkajs consumer group. Offsets are
// resolved only after the message's transaction committed (or it was
// dead-lettered), and committed by kafkajs after that: at-least-once delivery,
// made effectively-once by the inbox. A dead-lettered message never blocks its
// partition. The consumer also reads its own replay topic, where DLQ replays
// re-deliver messages to this consumer only.
import type { Consumer, Kafka } from 'kafkajs';
import { groupIdOf, replayTopicOf, type ConsumerDefinition } from '../../backbone/consumer-definition';
import { createMessageProcessor, type IncomingMessage, type ProcessorDeps } from './message-processor';
import { ensureTopics } from './kafka-client';
import type { RawHeader } from '../prisma/dlq-store';

export interface ConsumerRuntimeOptions {
  kafka: Kafka;
  groupPrefix?: string;
  fromBeginning?: boolean;
  replayTopicPartitions?: number;
  sessionTimeoutMs?: number;
  /** Upper bound of bytes fetched per partition per request. */
  maxBytesPerPartition?: number;
  /** Partitions processed in parallel (each in its own transactions; order holds within a partition). */
  partitionsConsumedConcurrently?: number;
}

export interface RunningConsumer {
  name: string;
  groupId: string;
  pause(): void;
  resume(): void;
  isPaused(): boolean;
  stop(): Promise<void>;
}

function rawHeaders(headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined): RawHeader[] {
  const out: RawHeader[] = [];
  for (const [key, value] of Object.entries(headers ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v === undefined) continue;
      out.push({ key, valueBase64: (typeof v === 'string' ? Buffer.from(v, 'utf8') : v).toString('base64') });
    }
  }
  return out;
}

export async function startConsumer(definition: ConsumerDefinition, deps: ProcessorDeps, options: ConsumerRuntimeOptions): Promise<RunningConsumer> {
  const groupId = groupIdOf(definition.name, options.groupPrefix);
  const replayTopic = replayTopicOf(definition.name);
  const admin = options.kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, [{ topic: replayTopic, partitions: options.replayTopicPartitions ?? 3 }]);
  } finally {
    await admin.disconnect();
  }

  const consumer: Consumer = options.kafka.consumer({
    groupId,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: 3_000,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 2 * 1024 * 1024,
    allowAutoTopicCreation: false,
    retry: { retries: 10 },
  });
  const processor = createMessageProcessor(definition, deps);
  let running = true;
  let paused = false;
  const topics = [...definition.topics, replayTopic];

  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: options.fromBeginning ?? true });
  await consumer.run({
    autoCommit: true,
    autoCommitInterval: 1_000,
    autoCommitThreshold: 1_000,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary }) => {
      const messages: IncomingMessage[] = batch.messages.map((m) => ({
        topic: batch.topic,
        partition: batch.partition,
        offset: m.offset,
        key: m.key ?? null,
        value: m.value ?? null,
        headers: rawHeaders(m.headers as Record<string, Buffer | string | (Buffer | string)[] | undefined>),
      }));
      await processor.process(messages, {
        onDone: (m) => resolveOffset(m.offset),
        onWait: async () => {
          await heartbeat();
          await commitOffsetsIfNecessary();
        },
        isRunning: () => running && isRunning() && !isStale(),
      });
    },
  });

  return {
    name: definition.name,
    groupId,
    pause() {
      if (paused) return;
      paused = true;
      consumer.pause(topics.map((topic) => ({ topic })));
    },
    resume() {
      if (!paused) return;
      paused = false;
      consumer.resume(topics.map((topic) => ({ topic })));
    },
    isPaused: () => paused,
    async stop() {
      running = false;
      await consumer.disconnect(); // commits resolved offsets
    },
  };
}
