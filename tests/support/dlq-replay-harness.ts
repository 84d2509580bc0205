// The setup the DLQ replay integration tests share (tests/int/dlq-replay.test.ts,
// dlq-sequenced.test.ts, dlq-replay-kill.test.ts): a fresh test database, the test
// consumer running on its own topic on the real Kafka (from the beginning, group prefix
// `t-<suffix>`), a producer, and, with `jobRunner`, an in-process job queue and runner
// that run dlq.replay jobs. `stop()` undoes all of it, the topic and the consumer's
// replay topic included, and copes with a start that failed half way.
import type { Kafka, Producer } from 'kafkajs';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { createKafka, ensureTopics } from '@/lib/adapters/kafka/kafka-client';
import { startConsumer, type RunningConsumer } from '@/lib/adapters/kafka/consumer-runtime';
import { createOutboxWriter } from '@/lib/adapters/outbox/outbox-writer';
import type { PrismaTx } from '@/lib/adapters/prisma/processor-ports';
import { replayTopicOf, type ConsumerDefinition } from '@/lib/backbone/consumer-definition';
import type { ReplayDeps } from '@/lib/app/replay-dlq-messages';
import { createOrderEventRegistry } from '@/lib/demo/orders/events';
import { createJobKindRegistry } from '@/lib/jobs/job-kind';
import { startJobQueue, type JobQueue } from '@/lib/jobs/job-queue';
import { createJobRunner, type JobRunner } from '@/lib/jobs/job-runner';
import { createDlqReplayJob } from '@/lib/jobs/kinds/dlq-replay';
import { getJob } from '@/lib/read/get-job';
import { createTestDatabase, type TestDatabase } from './database';
import { kafkaBrokers } from './kafka';
import { waitFor } from './wait-for';

export interface DlqReplayHarnessOptions {
  /** createTestDatabase's label. */
  database: string;
  /** Names the Kafka client and the group prefix (`t-<suffix>`). */
  suffix: string;
  /** The consumer under test; its one topic is created with `partitions`. */
  consumer: ConsumerDefinition<PrismaTx>;
  partitions: number;
  poolSize: number;
  /** An idempotent producer with one request in flight (kafkajs's plain producer otherwise). */
  idempotentProducer?: boolean;
  /** An in-process job queue and runner for dlq.replay jobs (fast polling). */
  jobRunner?: boolean;
  /** The runner's concurrency (2 unless given). */
  runnerConcurrency?: number;
  /** Partitions of the consumer's replay topic when the consumer creates it (the runtime's default unless given). */
  replayTopicPartitions?: number;
}

export interface DlqReplayHarness {
  database: TestDatabase;
  db: Db;
  kafka: Kafka;
  producer: Producer;
  /** The consumer's topic. */
  topic: string;
  /** What replayDlqMessages needs to start jobs on the in-process runner (`jobRunner` only). */
  replayDeps(limits: ReplayDeps['limits']): ReplayDeps;
  /** The job once it has succeeded, failed or been cancelled (60 s at most). */
  finished(jobId: string): Promise<Awaited<ReturnType<typeof getJob>>>;
  stop(): Promise<void>;
}

const fastJobs = { pollMs: 100, heartbeatMs: 200, staleAfterMs: 1_500, sweepMs: 300 };

export async function startDlqReplayHarness(o: DlqReplayHarnessOptions): Promise<DlqReplayHarness> {
  const topic = o.consumer.topics[0]!;
  const kafka = createKafka({ brokers: kafkaBrokers(), clientId: `test-${o.suffix}` });
  let database: TestDatabase | undefined;
  let db: Db | undefined;
  let producer: Producer | undefined;
  let consumer: RunningConsumer | undefined;
  let queue: JobQueue | undefined;
  let runner: JobRunner | undefined;

  const stop = async () => {
    await runner?.stop();
    await queue?.stop();
    await consumer?.stop();
    await producer?.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic, replayTopicOf(o.consumer.name)] }).catch(() => undefined);
    await admin.disconnect();
    await db?.$disconnect();
    await database?.drop();
  };

  try {
    database = await createTestDatabase(o.database);
    db = createDb(database.url, { poolSize: o.poolSize });
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [{ topic, partitions: o.partitions }]);
    await admin.disconnect();
    producer = kafka.producer(o.idempotentProducer ? { allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 } : { allowAutoTopicCreation: false });
    await producer.connect();
    consumer = await startConsumer(
      o.consumer,
      { db, registry: createOrderEventRegistry(), outbox: createOutboxWriter({ source: '/test', topicFor: () => topic }), maxMessageBytes: 1024 * 1024 },
      { kafka, groupPrefix: `t-${o.suffix}`, fromBeginning: true, ...(o.replayTopicPartitions ? { replayTopicPartitions: o.replayTopicPartitions } : {}) },
    );
    const replayKind = createDlqReplayJob(async () => ({ db: db!, producer: producer! }));
    if (o.jobRunner) {
      queue = await startJobQueue({ databaseUrl: database.url, maintain: false });
      runner = createJobRunner({ db, queue, kinds: createJobKindRegistry([replayKind]), concurrency: o.runnerConcurrency ?? 2, shutdownTimeoutMs: 2_000, logger: { info: () => {}, warn: () => {} }, ...fastJobs });
      runner.start();
    }
    const [readyDb, readyQueue] = [db, queue];
    return {
      database,
      db,
      kafka,
      producer,
      topic,
      replayDeps: (limits) => {
        if (!readyQueue) throw new Error('replayDeps needs the harness started with jobRunner: true');
        return { db: readyDb, kinds: createJobKindRegistry([replayKind]), queue: readyQueue, limits, now: () => new Date() };
      },
      finished: (jobId) =>
        waitFor('the replay job to finish', async () => {
          const job = await getJob(readyDb, jobId);
          return ['succeeded', 'failed', 'cancelled'].includes(job.state) ? job : null;
        }, 60_000),
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
