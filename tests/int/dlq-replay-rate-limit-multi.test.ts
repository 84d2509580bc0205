// A DLQ replay request whose selection spans several consumers starts one job per
// consumer. The limits that apply to the request must hold for all its jobs together,
// checked atomically on real PostgreSQL: the per-user throttle counts every job's
// dlq.replay record, the jobs' rates together stay within the rate cap (dlq_settings),
// and either every job starts or none does. Nothing here runs a job (no Kafka).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { replayDlqMessages, type ReplayDeps } from '@/lib/app/replay-dlq-messages';
import type { SessionUser } from '@/lib/domain/session-user';
import { createJobKindRegistry } from '@/lib/jobs/job-kind';
import { createDlqReplayJob } from '@/lib/jobs/kinds/dlq-replay';
import { createTestDatabase, type TestDatabase } from '../support/database';

const suffix = randomUUID().slice(0, 8);
const consumers = ['a', 'b', 'c'].map((c) => `multi-${c}-${suffix}`);
const kinds = createJobKindRegistry([createDlqReplayJob(async () => { throw new Error('no job runs in this test'); })]);
const baseLimits: ReplayDeps['limits'] = { confirmOver: 10_000, approvalOver: 100_000, rateCap: 2_000, canary: 0, maxInFlight: 5_000, canaryTimeoutMs: 5_000, actionsPerMinute: 1_000 };

let database: TestDatabase;
let db: Db;
let cause = '';

const userOf = (name: string): SessionUser => ({ id: randomUUID(), email: `${name}-${suffix}@example.com`, name, role: 'operator' });
const deps = (limits: Partial<ReplayDeps['limits']> = {}): ReplayDeps => ({ db, kinds, limits: { ...baseLimits, ...limits }, now: () => new Date() });
const replayJobs = () => db.backgroundJob.findMany({ where: { kind: 'dlq.replay', state: { in: ['queued', 'running'] } } });
const rateOf = (params: unknown) => (params as { ratePerSecond: number }).ratePerSecond;

beforeAll(async () => {
  database = await createTestDatabase('dlq_replay_rate_multi');
  db = createDb(database.url, { poolSize: 4 });
  // Two open dead letters per consumer, same error: one cause spanning three consumers.
  for (const consumer of consumers) {
    for (let i = 0; i < 2; i++) {
      await db.dlqMessage.create({
        data: {
          consumer, topic: 'orders', partition: 0, offset: BigInt(i), payload: new Uint8Array([123, 125]), payloadSize: 2, subject: `s-${i}`, eventType: 'orders.OrderPlaced',
          errorClass: 'AppError', errorCode: 'permanent', errorMessage: 'carrier refused the parcel', fingerprint: 'f', attemptCount: 1, firstFailedAt: new Date(), lastFailedAt: new Date(),
        },
      });
    }
  }
  cause = (await db.dlqMessage.findFirstOrThrow({ where: { consumer: consumers[0]! } })).causeKey!;
  expect(await db.dlqMessage.count({ where: { causeKey: cause } })).toBe(6);
}, 120_000);

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

beforeEach(async () => {
  // Each case starts with no active replay and the environment's cap.
  await db.backgroundJob.updateMany({ where: { kind: 'dlq.replay', state: { in: ['queued', 'running'] } }, data: { state: 'cancelled' } });
  await db.dlqMessage.updateMany({ where: { causeKey: cause }, data: { status: 'open' } });
  await db.dlqSetting.deleteMany({});
});

describe('a replay request over several consumers', () => {
  it('counts every job against the per-user throttle: 2 recent actions + 3 jobs > 4 per minute is refused, no job starts', async () => {
    const user = userOf('throttled');
    for (let i = 0; i < 2; i++) await db.auditEntry.create({ data: { actorEmail: user.email, actorId: user.id, actorRole: 'operator', action: 'dlq.discard', target: randomUUID(), outcome: 'ok', details: {} } });
    const preview = await replayDlqMessages(deps({ actionsPerMinute: 4 }), user, { selection: { by: 'cause', cause }, dryRun: true });
    expect(preview.preview.consumers).toHaveLength(3);

    await expect(replayDlqMessages(deps({ actionsPerMinute: 4 }), user, { selection: { by: 'cause', cause } })).rejects.toMatchObject({ code: 'rate_limited' });
    expect(await replayJobs()).toHaveLength(0);
    expect(await db.auditEntry.count({ where: { actorEmail: user.email, action: 'dlq.replay' } })).toBe(0);

    // Within the limit (2 + 3 ≤ 5) all three start, in one go.
    const { jobs } = await replayDlqMessages(deps({ actionsPerMinute: 5 }), user, { selection: { by: 'cause', cause } });
    expect(jobs.map((j) => j.consumer).sort()).toEqual([...consumers].sort());
    expect(await db.auditEntry.count({ where: { actorEmail: user.email, action: 'dlq.replay', outcome: 'ok' } })).toBe(3);
  });

  it('keeps the jobs\' rates together within the rate cap in dlq_settings: default split, a request above cap / jobs refused', async () => {
    const user = userOf('rate');
    await db.dlqSetting.create({ data: { id: 1, rateCap: 300, updatedBy: 'admin@example.com' } });

    await expect(replayDlqMessages(deps(), user, { selection: { by: 'cause', cause }, ratePerSecond: 150 })).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringMatching(/rate cap is 300\/s.*3 jobs.*at most 100\/s each/),
    });
    expect(await replayJobs()).toHaveLength(0);

    const { jobs } = await replayDlqMessages(deps(), user, { selection: { by: 'cause', cause } });
    expect(jobs).toHaveLength(3);
    const rates = (await replayJobs()).map((j) => rateOf(j.params));
    expect(rates.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(300);
    expect(rates).toEqual([100, 100, 100]);
  });

  it('starts every job or none: a consumer whose scope is busy refuses the whole request', async () => {
    const user = userOf('atomic');
    const busy = await db.backgroundJob.create({ data: { kind: 'dlq.replay', scope: `replay:consumer:${consumers[1]}`, params: { consumer: consumers[1] }, createdBy: user.id } });
    await expect(replayDlqMessages(deps(), user, { selection: { by: 'cause', cause } })).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining(busy.id) });
    expect((await replayJobs()).map((j) => j.id)).toEqual([busy.id]);
    expect(await db.auditEntry.count({ where: { actorEmail: user.email, action: 'dlq.replay' } })).toBe(0);
  });
});
