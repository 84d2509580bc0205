// DLQ admin paths on real PostgreSQL (and Kafka for the running job): the replay rate cap
// changed at runtime — admins only, audited with old and new value, a request above it
// refused, a RUNNING replay job slowing down within about a second and speeding up again;
// and a replay job cancelled after its worker died (the sweep's reclaim) returns its
// `replaying` rows to `open` (or `parked` behind a head that still holds the subject).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { createKafka, ensureTopics } from '@/lib/adapters/kafka/kafka-client';
import { replayTopicOf } from '@/lib/backbone/consumer-definition';
import { replayDlqMessages, type ReplayDeps } from '@/lib/app/replay-dlq-messages';
import { updateDlqRateCap } from '@/lib/app/update-dlq-rate-cap';
import type { SessionUser } from '@/lib/domain/session-user';
import { createJobKindRegistry } from '@/lib/jobs/job-kind';
import { startJobQueue, type JobQueue } from '@/lib/jobs/job-queue';
import { createJobRunner, type JobRunner } from '@/lib/jobs/job-runner';
import { reclaimStaleJobs } from '@/lib/jobs/job-store';
import { createDlqReplayJob } from '@/lib/jobs/kinds/dlq-replay';
import { getDlqRateCap } from '@/lib/read/get-dlq-rate-cap';
import { getJob } from '@/lib/read/get-job';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { waitFor } from '../support/wait-for';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const suffix = randomUUID().slice(0, 8);
const consumerName = `dlq-admin-${suffix}`;
const admin: SessionUser = { id: randomUUID(), email: 'admin@example.com', name: 'Ad', role: 'admin' };
const operator: SessionUser = { id: randomUUID(), email: 'op@example.com', name: 'Op', role: 'operator' };
const limits: ReplayDeps['limits'] = { confirmOver: 10_000, approvalOver: 100_000, rateCap: 2_000, canary: 0, maxInFlight: 100_000, canaryTimeoutMs: 5_000, actionsPerMinute: 1_000 };

let database: TestDatabase;
let db: Db;
let kafka: Kafka;
let producer: Producer;
let queue: JobQueue;
let runner: JobRunner;
const replayKind = createDlqReplayJob(async () => ({ db, producer }));
const kinds = createJobKindRegistry([replayKind]);
const deps = (): ReplayDeps => ({ db, kinds, queue, limits, now: () => new Date() });

/** n open dead letters of `consumer` with error `message`; returns their cause. */
async function seed(consumer: string, n: number, message: string, subjectOf = (i: number) => `s-${i}`): Promise<string> {
  for (let i = 0; i < n; i++) {
    await db.dlqMessage.create({
      data: {
        consumer, topic: 'orders', partition: 0, offset: BigInt(i), payload: new Uint8Array([123, 125]), payloadSize: 2, subject: subjectOf(i), eventType: 'orders.OrderPlaced',
        errorClass: 'AppError', errorCode: 'permanent', errorMessage: message, fingerprint: 'f', attemptCount: 1, firstFailedAt: new Date(), lastFailedAt: new Date(),
      },
    });
  }
  return (await db.dlqMessage.findFirstOrThrow({ where: { consumer } })).causeKey!;
}

beforeAll(async () => {
  database = await createTestDatabase('dlq_admin');
  db = createDb(database.url, { poolSize: 6 });
  kafka = createKafka({ brokers, clientId: `test-${suffix}` });
  const kafkaAdmin = kafka.admin();
  await kafkaAdmin.connect();
  await ensureTopics(kafkaAdmin, [{ topic: replayTopicOf(consumerName), partitions: 1 }]);
  await kafkaAdmin.disconnect();
  producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  queue = await startJobQueue({ databaseUrl: database.url, maintain: false });
  runner = createJobRunner({ db, queue, kinds, concurrency: 1, shutdownTimeoutMs: 2_000, pollMs: 100, heartbeatMs: 200, staleAfterMs: 1_500, sweepMs: 300, logger: { info: () => {}, warn: () => {} } });
  runner.start();
}, 120_000);

afterAll(async () => {
  await runner?.stop();
  await queue?.stop();
  await producer?.disconnect();
  const kafkaAdmin = kafka.admin();
  await kafkaAdmin.connect();
  await kafkaAdmin.deleteTopics({ topics: [replayTopicOf(consumerName)] }).catch(() => undefined);
  await kafkaAdmin.disconnect();
  await db?.$disconnect();
  await database?.drop();
});

describe('dlq admin', () => {
  it('an admin changes the rate cap at runtime (audited); operators may not; a running replay follows the new cap', async () => {
    await expect(updateDlqRateCap({ db, now: () => new Date(), envCap: 2_000 }, operator, { rateCap: 5 })).rejects.toMatchObject({ code: 'forbidden' });
    expect(await db.auditEntry.count({ where: { action: 'dlq.rate.update', outcome: 'denied' } })).toBe(1);
    expect(await getDlqRateCap(db, 2_000)).toMatchObject({ rateCap: 2_000, source: 'environment' });

    const cause = await seed(consumerName, 400, 'carrier down (rate cap test)');
    const { jobs } = await replayDlqMessages(deps(), operator, { selection: { by: 'cause', cause }, ratePerSecond: 40, confirm: 'replay 400' });
    const jobId = jobs[0]!.job.id;
    await waitFor('the replay under way', async () => (await getJob(db, jobId)).progress.done >= 40, 20_000);

    const changed = await updateDlqRateCap({ db, now: () => new Date(), envCap: 2_000 }, admin, { rateCap: 4 });
    expect(changed).toMatchObject({ rateCap: 4, previous: 2_000 });
    expect((await db.auditEntry.findFirstOrThrow({ where: { action: 'dlq.rate.update', outcome: 'ok' } })).details).toMatchObject({ from: 2_000, to: 4 });
    // A new request above the cap is refused.
    await expect(replayDlqMessages(deps(), admin, { selection: { by: 'cause', cause }, ratePerSecond: 10 })).rejects.toMatchObject({ code: 'bad_request' });

    await new Promise((r) => setTimeout(r, 1_500)); // the job re-reads the cap once a second
    const slowFrom = (await getJob(db, jobId)).progress.done;
    await new Promise((r) => setTimeout(r, 3_000));
    const slowSent = (await getJob(db, jobId)).progress.done - slowFrom;
    expect(slowSent).toBeLessThanOrEqual(4 * 3 + 30); // ≈ 4/s (+ one batch checkpointed late); at 40/s it would be ≈ 120

    await updateDlqRateCap({ db, now: () => new Date(), envCap: 2_000 }, admin, { rateCap: 2_000 });
    const job = await waitFor('the replay to finish at its own rate again', async () => {
      const j = await getJob(db, jobId);
      return ['succeeded', 'failed'].includes(j.state) ? j : null;
    }, 30_000);
    expect(job.progress.done).toBe(400);
  });

  it('a replay job cancelled after its worker died leaves no row replaying: open, or parked behind a head still open', async () => {
    const consumer = `dlq-dead-${suffix}`;
    await seed(consumer, 3, 'dead worker test', () => 'order-1');
    const [head, sent, follower] = await db.dlqMessage.findMany({ where: { consumer }, orderBy: { offset: 'asc' } });
    const job = await db.backgroundJob.create({
      // Heartbeat fresh until the rows are marked (the runner's own sweep must not take it earlier).
      data: { kind: 'dlq.replay', scope: `replay:consumer:${consumer}`, state: 'cancelling', params: { consumer }, heartbeatAt: new Date() },
    });
    const replays = JSON.stringify([{ jobId: job.id, at: new Date().toISOString(), by: 'op@example.com' }]);
    await db.$executeRawUnsafe(`UPDATE dlq_messages SET status = 'replaying', replays = $2::jsonb WHERE id = ANY($1::uuid[])`, [sent!.id, follower!.id], replays);
    await db.$executeRawUnsafe(`UPDATE dlq_messages SET parked_behind = $1::uuid WHERE id = $2::uuid`, head!.id, follower!.id);

    expect((await db.backgroundJob.findUniqueOrThrow({ where: { id: job.id } })).state).toBe('cancelling');
    // Its worker is dead: no heartbeat for a minute. The sweep (this call, or the runner's own, whichever comes first) cancels it.
    await db.backgroundJob.update({ where: { id: job.id }, data: { heartbeatAt: new Date(Date.now() - 60_000) } });
    await reclaimStaleJobs(db, 1_000);
    await waitFor('the job cancelled', async () => (await db.backgroundJob.findUniqueOrThrow({ where: { id: job.id } })).state === 'cancelled');
    expect((await db.dlqMessage.findUniqueOrThrow({ where: { id: sent!.id } })).status).toBe('open');
    expect((await db.dlqMessage.findUniqueOrThrow({ where: { id: follower!.id } })).status).toBe('parked');
    expect((await db.dlqMessage.findUniqueOrThrow({ where: { id: head!.id } })).status).toBe('open');
    expect(await db.dlqMessage.count({ where: { consumer, status: 'replaying' } })).toBe(0);
  });
});
