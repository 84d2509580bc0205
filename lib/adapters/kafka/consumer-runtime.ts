// Runs one ConsumerDefinition as a kafkajs consumer group. Offsets are
// resolved only after the message's transaction committed (or it was
// dead-lettered), and committed by kafkajs after that: at-least-once delivery,
// made effectively-once by the inbox. A dead-lettered message never blocks its
// partition. The consumer also reads its own replay topic, where DLQ replays
// re-deliver messages to this consumer only.
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { errorMessageOf } from '../../errors';
import { groupIdOf, replayTopicOf, type ConsumerDefinition } from '../../backbone/consumer-definition';
import { createMessageProcessor, type IncomingMessage } from '../../backbone/processor';
import { prismaProcessorDeps, type PrismaProcessorDeps, type PrismaTx } from '../prisma/processor-ports';
import { ensureTopics } from './kafka-client';
import type { RawHeader } from '../../backbone/ports';

export interface ConsumerRuntimeOptions {
  kafka: Kafka;
  groupPrefix?: string;
  fromBeginning?: boolean;
  replayTopicPartitions?: number;
  sessionTimeoutMs?: number;
  /** Upper bound of bytes fetched per partition per request. */
  maxBytesPerPartition?: number;
  /**
   * The broker answers a fetch once it has this many bytes for the group, or after
   * fetchMaxWaitMs: under load fewer, larger batches (less CPU on both sides, and the
   * processor's bulk path gets whole runs); when quiet a message waits at most fetchMaxWaitMs.
   * kafkajs's defaults (1 byte, 5 s) when not given.
   */
  fetchMinBytes?: number;
  fetchMaxWaitMs?: number;
  /** Partitions processed in parallel (each in its own transactions; order holds within a partition). */
  partitionsConsumedConcurrently?: number;
  /** Outages and recoveries (one line each, not one per try); console.warn by default. */
  log?: (line: string) => void;
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

export async function startConsumer(
  definition: ConsumerDefinition<PrismaTx>,
  deps: PrismaProcessorDeps,
  options: ConsumerRuntimeOptions,
): Promise<RunningConsumer> {
  const groupId = groupIdOf(definition.name, options.groupPrefix);
  const replayTopic = replayTopicOf(definition.name);
  const log = options.log ?? ((line: string) => console.warn(line));
  const admin = options.kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, [{ topic: replayTopic, partitions: options.replayTopicPartitions ?? 3 }]);
  } finally {
    await admin.disconnect();
  }

  const topics = [...definition.topics, replayTopic];
  const outage = createOutageBackoff();
  const state = { running: true, paused: false };
  const eachBatch = batchHandler({
    processor: createMessageProcessor(definition, prismaProcessorDeps(deps)),
    name: definition.name,
    log,
    outage,
    running: () => state.running,
  });
  let consumer: Consumer | undefined;

  // kafkajs restarts a consumer that crashed on a retriable error itself; after any
  // other crash (e.g. the broker gone for longer than its retries) it is replaced by a
  // new one, with backoff, instead of the group silently ending for this process.
  async function launch(): Promise<void> {
    const next = options.kafka.consumer({
      groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: 3_000,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 2 * 1024 * 1024,
      ...(options.fetchMinBytes !== undefined ? { minBytes: options.fetchMinBytes } : {}),
      ...(options.fetchMaxWaitMs !== undefined ? { maxWaitTimeInMs: options.fetchMaxWaitMs } : {}),
      allowAutoTopicCreation: false,
      retry: { retries: 10 },
    });
    consumer = next;
    next.on(next.events.CRASH, ({ payload }) => {
      if (payload.restart || !state.running || next !== consumer) return;
      relaunchLater(`stopped after ${payload.error.message}`);
    });
    await next.connect();
    await next.subscribe({ topics, fromBeginning: options.fromBeginning ?? true });
    await next.run({
      autoCommit: true,
      autoCommitInterval: 1_000,
      autoCommitThreshold: 1_000,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
      eachBatch,
    });
    if (state.paused) next.pause(topics.map((topic) => ({ topic })));
  }

  function relaunchLater(why: string): void {
    const delay = outage.nextDelay();
    log(`consumer ${definition.name}: ${why}; starting it again in ${delay} ms`);
    setTimeout(() => {
      if (!state.running) return;
      void consumer
        ?.disconnect()
        .catch(() => undefined)
        .then(launch)
        .catch((error: unknown) => relaunchLater(`starting again failed (${errorMessageOf(error)})`));
    }, delay).unref();
  }

  await launch();

  return {
    name: definition.name,
    groupId,
    pause() {
      if (state.paused) return;
      state.paused = true;
      consumer?.pause(topics.map((topic) => ({ topic })));
    },
    resume() {
      if (!state.paused) return;
      state.paused = false;
      consumer?.resume(topics.map((topic) => ({ topic })));
    },
    isPaused: () => state.paused,
    async stop() {
      state.running = false;
      await consumer?.disconnect(); // commits resolved offsets
    },
  };
}

interface BatchHandlerDeps {
  processor: ReturnType<typeof createMessageProcessor<PrismaTx>>;
  name: string;
  log: (line: string) => void;
  outage: OutageBackoff;
  running: () => boolean;
}

// A database outage fails the batch. Instead of throwing into kafkajs (an ERROR with a
// stack per try, then a consumer restart), the rest of the batch is tried again after a
// backoff, heartbeating meanwhile. Finished messages are not redone (the inbox would
// make them duplicates anyway); a stopping consumer leaves the rest for redelivery.
function batchHandler(deps: BatchHandlerDeps) {
  return async ({ batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary }: EachBatchPayload): Promise<void> => {
    let remaining: IncomingMessage[] = batch.messages.map((m) => ({
      topic: batch.topic,
      partition: batch.partition,
      offset: m.offset,
      key: m.key ?? null,
      value: m.value ?? null,
      headers: rawHeaders(m.headers as Record<string, Buffer | string | (Buffer | string)[] | undefined>),
    }));
    const active = () => deps.running() && isRunning() && !isStale();
    const onWait = async () => {
      await heartbeat();
      await commitOffsetsIfNecessary();
    };
    for (;;) {
      let finished = 0;
      const onDone = (m: IncomingMessage) => {
        resolveOffset(m.offset);
        finished++;
      };
      try {
        await deps.processor.process(remaining, { onDone, onWait, isRunning: active });
        deps.outage.reset(() => deps.log(`consumer ${deps.name}: processing again`));
        return;
      } catch (error) {
        if (!active()) throw error;
        remaining = remaining.slice(finished);
        const delay = deps.outage.nextDelay();
        deps.log(
          `consumer ${deps.name}: ${batch.topic}[${batch.partition}] failed (${errorMessageOf(error)}); trying again in ${delay} ms`,
        );
        for (let waited = 0; waited < delay && active(); waited += 1_000) {
          await new Promise((r) => setTimeout(r, Math.min(1_000, delay - waited)));
          await onWait();
        }
      }
    }
  };
}

type OutageBackoff = ReturnType<typeof createOutageBackoff>;

/** 1 s doubling to 30 s while failures go on; reset (with one line) at the first success. */
function createOutageBackoff() {
  let failures = 0;
  return {
    nextDelay: () => Math.min(30_000, 1_000 * 2 ** failures++),
    reset(onRecovered: () => void) {
      if (failures > 0) onRecovered();
      failures = 0;
    },
  };
}
