// The fault suite's job checks (tests/faults/job-checks.ts) can fail: rows written
// by hand for each outcome a DLQ replay can leave — resolved and applied once from the
// replay topic (clean), applied twice, resolved without an application, left
// replaying, failed again but applied, selected and never sent — and a job that did
// not succeed or a registry naming a version that is not active each count.
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { activeTables, judgeJobs } from '../faults/job-checks';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { replayTopicOf } from '@/lib/backbone/consumer-definition';

let database: TestDatabase;
let db: Db;
let offset = 0;

beforeAll(async () => {
  database = await createTestDatabase('fault_job_checks');
  db = createDb(database.url, { poolSize: 2 });
}, 120_000);

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

beforeEach(async () => {
  await db.$executeRawUnsafe(`TRUNCATE dlq_messages, consumer_inbox, consumer_attempts, notifications, background_jobs CASCADE`);
});

const REPLAY = replayTopicOf('notifications');

/** A replay job of `ids` for the notifications consumer, in the given state. */
async function replayJob(ids: string[], state: 'succeeded' | 'failed' = 'succeeded'): Promise<string> {
  const job = await db.backgroundJob.create({
    data: { kind: 'dlq.replay', scope: `replay:consumer:notifications:${randomUUID()}`, state, params: { consumer: 'notifications', selection: { by: 'ids', ids } } },
  });
  return job.id;
}

/** A notifications dead letter of a new event, with `sends` entries of `jobId` in its history. */
async function deadLetter(status: 'open' | 'replaying' | 'resolved', jobId: string | null, sends = 1): Promise<{ id: string; eventId: string }> {
  const eventId = randomUUID();
  const now = new Date();
  const row = await db.dlqMessage.create({
    data: {
      id: randomUUID(), consumer: 'notifications', topic: 'demo.orders.v1', partition: 0, offset: BigInt(offset++), payload: Buffer.from('{}'), payloadSize: 2,
      eventId, errorClass: 'AppError', errorCode: 'permanent', errorMessage: 'Injected permanent failure', fingerprint: 'f', attemptCount: 1,
      firstFailedAt: now, lastFailedAt: now, status, replays: jobId ? Array.from({ length: sends }, () => ({ jobId, at: now.toISOString(), by: 'x' })) : [],
    },
  });
  return { id: row.id, eventId };
}

/** The consumer applied the event: inbox row on `topic`, `ok` successful attempts, one notification. */
async function applied(eventId: string, topic = REPLAY, ok = 1, effects = 1): Promise<void> {
  await db.consumerInbox.create({ data: { consumer: 'notifications', eventId, topic, partition: 0, offset: BigInt(offset++) } });
  for (let i = 0; i < ok; i++) {
    await db.consumerAttempt.create({ data: { consumer: 'notifications', eventId, topic, partition: 0, offset: BigInt(offset), attempt: i + 1, outcome: 'ok', durationMs: 1 } });
  }
  if (effects) await db.notification.create({ data: { eventId, orderId: randomUUID(), kind: 'orders.OrderPlaced' } });
}

const judge = () => judgeJobs(db, { notifications: 'notifications' });

it('a replay applied once from the replay topic passes; one failed again is counted, not a failure', async () => {
  const jobId = randomUUID();
  const ok = await deadLetter('resolved', jobId);
  const again = await deadLetter('open', jobId);
  await db.backgroundJob.create({ data: { id: jobId, kind: 'dlq.replay', scope: 'replay:consumer:notifications', state: 'succeeded', params: { consumer: 'notifications', selection: { by: 'ids', ids: [ok.id, again.id] } } } });
  await applied(ok.eventId);
  const result = await judge();
  expect(result.problems).toEqual([]);
  expect(result.failures).toBe(0);
  expect(result.replay).toMatchObject({ jobs: 1, selected: 2, sent: 2, resolved: 1, failedAgain: 1, lost: 0, doubled: 0 });
});

it('counts doubles, losses, rows left replaying, a row applied from the wrong topic, and a failed job', async () => {
  const jobId = randomUUID();
  const twice = await deadLetter('resolved', jobId);
  await applied(twice.eventId, REPLAY, 2);
  const notApplied = await deadLetter('resolved', jobId);
  const stuck = await deadLetter('replaying', jobId);
  const againButApplied = await deadLetter('open', jobId);
  await applied(againButApplied.eventId);
  const fromOriginal = await deadLetter('resolved', jobId);
  await applied(fromOriginal.eventId, 'demo.orders.v1');
  const neverSent = await deadLetter('open', null);
  const resent = await deadLetter('resolved', jobId, 2);
  await applied(resent.eventId);
  const ids = [twice, notApplied, stuck, againButApplied, fromOriginal, neverSent, resent].map((r) => r.id);
  await db.backgroundJob.create({ data: { id: jobId, kind: 'dlq.replay', scope: 'replay:consumer:notifications', state: 'succeeded', params: { consumer: 'notifications', selection: { by: 'ids', ids } } } });
  await replayJob([randomUUID()], 'failed');

  const result = await judge();
  expect(result.replay).toMatchObject({ jobs: 2, selected: 8, resolved: 1, doubled: 2, lost: 3, resent: 1 });
  // lost 3 (resolved unapplied, replaying, never sent) + doubled 2 + the wrong topic + the id not found + the failed job
  expect(result.failures).toBe(8);
  const text = result.problems.join('\n');
  expect(text).toContain(`dead letter ${stuck.id} (event ${stuck.eventId}) is still replaying`);
  expect(text).toContain(`dead letter ${notApplied.id} (event ${notApplied.eventId}) is resolved but its event was never applied`);
  expect(text).toContain(`dead letter ${neverSent.id} was selected for a replay and never sent`);
  expect(text).toContain(`applied from demo.orders.v1, not from its replay topic`);
  expect(text).toMatch(/dlq\.replay job .* ended failed/);
});

it('resolves the active tables from projection_registry and flags a registry naming a version that is not active', async () => {
  expect(await activeTables(db)).toEqual(new Map([
    ['order-summary', { table: 'order_summary_v1', version: 1 }],
    ['customer-stats', { table: 'customer_stats_v1', version: 1 }],
  ]));
  await db.$executeRawUnsafe(`UPDATE projection_registry SET version = 7, active_table = 'order_summary_v7' WHERE projection = 'order-summary'`);
  try {
    const result = await judge();
    expect(result.failures).toBe(1);
    expect(result.problems[0]).toContain('order-summary v7 (order_summary_v7) is active; projection_versions has it missing');
    expect((await activeTables(db)).get('order-summary')).toEqual({ table: 'order_summary_v7', version: 7 });
  } finally {
    await db.$executeRawUnsafe(`UPDATE projection_registry SET version = 1, active_table = 'order_summary_v1' WHERE projection = 'order-summary'`);
  }
});
