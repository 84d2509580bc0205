// DLQ replay on real Kafka and PostgreSQL: a consumer dead-letters events while a
// fault is on; with the fault off, a replay job (lib/jobs kind dlq.replay) re-delivers
// them through the consumer's replay topic. Checks: applied once and resolved in the
// consumer's transaction, a repeated delivery is a duplicate, failing again grows the
// same row's history, the canary aborts, identical concurrent requests start one job,
// a viewer is refused, and a subject's events are applied in their original order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { Producer } from 'kafkajs';
import type { Db } from '@/lib/adapters/prisma/client';
import type { PrismaTx } from '@/lib/adapters/prisma/processor-ports';
import { replayTopicOf, type ConsumerDefinition } from '@/lib/backbone/consumer-definition';
import { replayDlqMessages, type ReplayDeps } from '@/lib/app/replay-dlq-messages';
import { discardDlqMessages } from '@/lib/app/discard-dlq-messages';
import { causeOf } from '@/lib/domain/dlq/cause';
import type { SessionUser } from '@/lib/domain/session-user';
import { AppError } from '@/lib/errors';
import { startDlqReplayHarness, type DlqReplayHarness } from '../support/dlq-replay-harness';
import { waitFor } from '../support/wait-for';

const suffix = randomUUID().slice(0, 8);
const topic = `t-dlq-replay-${suffix}`;
const consumerName = `dlq-replay-${suffix}`;
const operator: SessionUser = { id: randomUUID(), email: 'op@example.com', name: 'Op', role: 'operator' };
const viewer: SessionUser = { id: randomUUID(), email: 'viewer@example.com', name: 'Vi', role: 'viewer' };

let harness: DlqReplayHarness;
let db: Db;
let producer: Producer;
/** Customers whose events fail permanently while listed. */
const broken = new Set<string>();

const testConsumer: ConsumerDefinition<PrismaTx> = {
  name: consumerName,
  topics: [topic],
  handles: ['orders.OrderPlaced'],
  retry: { maxAttempts: 1, baseMs: 10, maxMs: 20 },
  async handle(event, ctx) {
    const data = event.data as { orderId: string; customerId: string };
    if (broken.has(data.customerId)) throw new AppError('permanent', `carrier refused order ${data.orderId} for ${data.customerId}`);
    await ctx.tx.notification.create({ data: { eventId: event.id, orderId: data.orderId, kind: event.type } });
  },
};

function envelope(customerId: string, orderId: string = randomUUID()) {
  return {
    specversion: '1.0', id: uuidv7(), type: 'orders.OrderPlaced', version: 2, time: new Date().toISOString(), source: '/test',
    subject: orderId, datacontenttype: 'application/json', trace_id: 'ab'.repeat(16), traceparent: `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01`,
    data: { orderId, customerId, amountCents: 1000, currency: 'EUR', channel: 'api' },
  };
}

const limits: ReplayDeps['limits'] = { confirmOver: 100, approvalOver: 10_000, rateCap: 2_000, canary: 2, maxInFlight: 5_000, canaryTimeoutMs: 20_000, actionsPerMinute: 1_000 };
const deps = (): ReplayDeps => harness.replayDeps(limits);
const finished = (jobId: string) => harness.finished(jobId);

/** Sends events for `customer` (all failing while it is broken) and waits for their dead letters. */
async function deadLetter(customer: string, events: ReturnType<typeof envelope>[]) {
  broken.add(customer);
  await producer.send({ topic, acks: -1, messages: events.map((e) => ({ key: e.subject, value: JSON.stringify(e), headers: { traceparent: e.traceparent } })) });
  await waitFor('the dead letters', async () => (await db.dlqMessage.count({ where: { consumer: consumerName, eventId: { in: events.map((e) => e.id) } } })) === events.length, 30_000);
  const row = await db.dlqMessage.findFirstOrThrow({ where: { eventId: events[0]!.id } });
  expect(row.causeKey).toBe(causeOf({ errorClass: row.errorClass, message: row.errorMessage, stack: row.errorStack }).key);
  return row.causeKey!;
}

beforeAll(async () => {
  harness = await startDlqReplayHarness({ database: 'dlq_replay', suffix, consumer: testConsumer, partitions: 3, poolSize: 8, idempotentProducer: true, jobRunner: true });
  ({ db, producer } = harness);
}, 120_000);

afterAll(async () => {
  await harness?.stop();
});

describe('dlq replay', () => {
  it('replays a cause group once: applied once, resolved in the same transaction, open count 0; a second replay finds nothing; a re-delivery is a duplicate', async () => {
    const events = Array.from({ length: 6 }, () => envelope('cust-a'));
    const cause = await deadLetter('cust-a', events);
    expect((await db.dlqCause.findUniqueOrThrow({ where: { causeKey: cause } })).openCount).toBe(6);
    broken.delete('cust-a');

    const dry = await replayDlqMessages(deps(), operator, { selection: { by: 'cause', cause }, dryRun: true });
    expect(dry.jobs).toEqual([]);
    expect(dry.preview).toMatchObject({ count: 6, consumers: [{ consumer: consumerName, count: 6 }], gate: 'none', subjects: 6 });

    const { jobs } = await replayDlqMessages(deps(), operator, { selection: { by: 'cause', cause } });
    expect(jobs).toHaveLength(1);
    const job = await finished(jobs[0]!.job.id);
    expect(job.state).toBe('succeeded');
    expect(job.result).toMatchObject({ replayed: 6, resolved: 6, failedAgain: 0 });
    for (const e of events) expect(await db.notification.count({ where: { eventId: e.id } })).toBe(1);
    const rows = await db.dlqMessage.findMany({ where: { causeKey: cause } });
    expect(rows.map((r) => r.status)).toEqual(Array(6).fill('resolved'));
    expect(rows.every((r) => Array.isArray(r.replays) && r.replays.length === 1)).toBe(true);
    expect((await db.dlqCause.findUniqueOrThrow({ where: { causeKey: cause } })).openCount).toBe(0);

    await expect(replayDlqMessages(deps(), operator, { selection: { by: 'cause', cause } })).rejects.toMatchObject({ code: 'conflict' });

    // The same replayed record delivered again (a redone batch after a killed worker): the inbox makes it a duplicate.
    const row = rows[0]!;
    await producer.send({ topic: replayTopicOf(consumerName), acks: -1, messages: [{ key: row.key ? Buffer.from(row.key) : null, value: Buffer.from(row.payload), headers: { 'signalbox-dlq-id': row.id } }] });
    await waitFor('the duplicate attempt', async () => (await db.consumerAttempt.count({ where: { consumer: consumerName, eventId: row.eventId!, outcome: 'duplicate' } })) === 1);
    expect(await db.notification.count({ where: { eventId: row.eventId! } })).toBe(1);
  });

  it('a replay that fails again grows the same row\'s attempt history (no new row)', async () => {
    const [e] = [envelope('cust-b')];
    await deadLetter('cust-b', [e!]);
    const before = await db.dlqMessage.findFirstOrThrow({ where: { eventId: e!.id } });
    const { jobs } = await replayDlqMessages(deps(), operator, { selection: { by: 'ids', ids: [before.id] }, canary: 0 });
    await finished(jobs[0]!.job.id);
    const after = await waitFor('the row to fail again', async () => {
      const row = await db.dlqMessage.findUniqueOrThrow({ where: { id: before.id } });
      return row.status === 'open' && row.attemptCount > before.attemptCount ? row : null;
    });
    expect(await db.dlqMessage.count({ where: { eventId: e!.id } })).toBe(1);
    expect((after.attempts as unknown[]).length).toBe(before.attemptCount + 1);
    expect(after.lastFailedAt.getTime()).toBeGreaterThan(before.lastFailedAt.getTime());
    expect(await db.notification.count({ where: { eventId: e!.id } })).toBe(0);
  });

  it('aborts when the canary fails again and leaves the rest untouched', async () => {
    const events = Array.from({ length: 5 }, () => envelope('cust-c'));
    const cause = await deadLetter('cust-c', events);
    const { jobs } = await replayDlqMessages(deps(), operator, { selection: { by: 'cause', cause }, canary: 2 });
    const job = await finished(jobs[0]!.job.id);
    expect(job.state).toBe('failed');
    expect(job.error).toMatch(/canary failed/);
    const rows = await db.dlqMessage.findMany({ where: { causeKey: cause } });
    expect(rows.filter((r) => (r.replays as unknown[]).length > 0)).toHaveLength(2);
    expect(rows.every((r) => r.status === 'open')).toBe(true);
  });

  it('starts one job for two identical concurrent requests, and refuses a viewer', async () => {
    const events = Array.from({ length: 3 }, () => envelope('cust-d'));
    const cause = await deadLetter('cust-d', events);
    broken.delete('cust-d');
    const request = { selection: { by: 'cause' as const, cause }, idempotencyKey: `key-${randomUUID()}` };
    const [a, b] = await Promise.all([replayDlqMessages(deps(), operator, request), replayDlqMessages(deps(), operator, request)]);
    expect(a.jobs[0]!.job.id).toBe(b.jobs[0]!.job.id);
    expect([a.jobs[0]!.created, b.jobs[0]!.created].filter(Boolean)).toHaveLength(1);
    expect(await db.backgroundJob.count({ where: { kind: 'dlq.replay', idempotencyKey: { startsWith: request.idempotencyKey } } })).toBe(1);
    await finished(a.jobs[0]!.job.id);

    const more = await deadLetter('cust-e', [envelope('cust-e')]);
    await expect(replayDlqMessages(deps(), viewer, { selection: { by: 'cause', cause: more } })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(discardDlqMessages({ db, actionsPerMinute: 100, now: () => new Date() }, viewer, { ids: [randomUUID()], reason: 'nope' })).rejects.toMatchObject({ code: 'forbidden' });
    expect(await db.auditEntry.count({ where: { actorEmail: viewer.email, outcome: 'denied' } })).toBe(2);
    expect(await db.backgroundJob.count({ where: { createdBy: viewer.id } })).toBe(0);
  });

  it('replays a subject\'s events in their original order', async () => {
    const orderId = randomUUID();
    const events = Array.from({ length: 8 }, () => envelope('cust-f', orderId));
    const cause = await deadLetter('cust-f', events);
    broken.delete('cust-f');
    const { jobs } = await replayDlqMessages(deps(), operator, { selection: { by: 'cause', cause }, canary: 1, ratePerSecond: 50 });
    expect((await finished(jobs[0]!.job.id)).state).toBe('succeeded');
    const applied = await db.notification.findMany({ where: { orderId }, orderBy: { id: 'asc' } });
    expect(applied.map((n) => n.eventId)).toEqual(events.map((e) => e.id));
  });
});
