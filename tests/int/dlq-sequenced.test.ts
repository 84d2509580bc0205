// Sequenced dead-lettering on real Kafka and PostgreSQL (docs/dlq.md): a consumer that
// opts in parks a subject's later events behind its dead-lettered one (stored, not
// applied) and applies them, in their original order, after it when it is replayed;
// when it fails again they are parked behind it again; when it is discarded they are
// released and replayed in order. Other subjects are not held up. The order is
// checked from the effect table's sequence (notifications.id).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { Producer } from 'kafkajs';
import type { Db } from '@/lib/adapters/prisma/client';
import type { PrismaTx } from '@/lib/adapters/prisma/processor-ports';
import type { ConsumerDefinition } from '@/lib/backbone/consumer-definition';
import { replayDlqMessages, type ReplayDeps } from '@/lib/app/replay-dlq-messages';
import { discardDlqMessages } from '@/lib/app/discard-dlq-messages';
import type { SessionUser } from '@/lib/domain/session-user';
import { AppError } from '@/lib/errors';
import { startDlqReplayHarness, type DlqReplayHarness } from '../support/dlq-replay-harness';
import { waitFor } from '../support/wait-for';

const suffix = randomUUID().slice(0, 8);
const topic = `t-dlq-seq-${suffix}`;
const consumerName = `dlq-seq-${suffix}`;
const operator: SessionUser = { id: randomUUID(), email: 'op@example.com', name: 'Op', role: 'operator' };

let harness: DlqReplayHarness;
let db: Db;
let producer: Producer;
/** Event ids that fail permanently while listed. */
const broken = new Set<string>();

const sequenced: ConsumerDefinition<PrismaTx> = {
  name: consumerName,
  topics: [topic],
  handles: ['orders.OrderPlaced'],
  retry: { maxAttempts: 1, baseMs: 10, maxMs: 20 },
  sequenced: true,
  async handle(event, ctx) {
    const data = event.data as { orderId: string };
    if (broken.has(event.id)) throw new AppError('permanent', `mail server refused message ${event.id}`);
    await ctx.tx.notification.create({ data: { eventId: event.id, orderId: data.orderId, kind: event.type } });
  },
};

function envelope(orderId: string) {
  return {
    specversion: '1.0', id: uuidv7(), type: 'orders.OrderPlaced', version: 2, time: new Date().toISOString(), source: '/test',
    subject: orderId, datacontenttype: 'application/json', trace_id: 'ab'.repeat(16),
    data: { orderId, customerId: 'c-seq', amountCents: 1000, currency: 'EUR', channel: 'api' },
  };
}

const limits: ReplayDeps['limits'] = { confirmOver: 100, approvalOver: 10_000, rateCap: 2_000, canary: 1, maxInFlight: 5_000, canaryTimeoutMs: 20_000, actionsPerMinute: 1_000 };
const deps = (): ReplayDeps => harness.replayDeps(limits);
const finished = (jobId: string) => harness.finished(jobId);

const send = (events: ReturnType<typeof envelope>[]) =>
  producer.send({ topic, acks: -1, messages: events.map((e) => ({ key: e.subject, value: JSON.stringify(e) })) });

const rowOf = (eventId: string) => db.dlqMessage.findFirst({ where: { consumer: consumerName, eventId } });
const appliedOrder = async (orderId: string) => (await db.notification.findMany({ where: { orderId }, orderBy: { id: 'asc' } })).map((n) => n.eventId);

/** Sends `events` of one subject with the first failing; waits until it is dead-lettered and the rest parked. */
async function headWithParked(events: ReturnType<typeof envelope>[]) {
  broken.add(events[0]!.id);
  await send(events);
  await waitFor('the head dead-lettered and the rest parked', async () => {
    const rows = await db.dlqMessage.findMany({ where: { consumer: consumerName, eventId: { in: events.map((e) => e.id) } } });
    return rows.length === events.length && rows.filter((r) => r.status === 'parked').length === events.length - 1;
  }, 30_000);
  return (await rowOf(events[0]!.id))!;
}

beforeAll(async () => {
  harness = await startDlqReplayHarness({ database: 'dlq_sequenced', suffix, consumer: sequenced, partitions: 2, poolSize: 8, idempotentProducer: true, jobRunner: true });
  ({ db, producer } = harness);
}, 120_000);

afterAll(async () => {
  await harness?.stop();
});

describe('sequenced dead-lettering', () => {
  it('parks a subject behind its dead letter, leaves other subjects alone, and applies them in original order after it on replay', async () => {
    const orderId = randomUUID();
    const events = Array.from({ length: 4 }, () => envelope(orderId));
    const other = envelope(randomUUID());
    const head = await headWithParked(events);
    await send([other]);
    await waitFor('the other subject applied', async () => (await db.notification.count({ where: { eventId: other.id } })) === 1);
    expect(await appliedOrder(orderId)).toEqual([]);
    for (const e of events.slice(1)) expect(await rowOf(e.id)).toMatchObject({ status: 'parked', parkedBehind: head.id, attemptCount: 0 });
    // A later live event of the subject parks too.
    const late = envelope(orderId);
    await send([late]);
    await waitFor('the late event parked', async () => (await rowOf(late.id))?.status === 'parked');
    expect((await db.dlqCause.findUniqueOrThrow({ where: { causeKey: head.causeKey! } })).openCount).toBe(1);

    broken.delete(events[0]!.id);
    const dry = await replayDlqMessages(deps(), operator, { selection: { by: 'ids', ids: [head.id] }, dryRun: true });
    expect(dry.preview).toMatchObject({ count: 1, parked: 4 });
    const { jobs } = await replayDlqMessages(deps(), operator, { selection: { by: 'ids', ids: [head.id] }, canary: 0 });
    const job = await finished(jobs[0]!.job.id);
    expect(job.state).toBe('succeeded');
    expect(job.progress).toMatchObject({ done: 5, total: 5 });
    await waitFor('all five applied', async () => (await appliedOrder(orderId)).length === 5);
    expect(await appliedOrder(orderId)).toEqual([...events, late].map((e) => e.id));
    for (const e of [...events, late]) expect((await rowOf(e.id))?.status).toBe('resolved');
    // The replay's audit record committed with the job.
    expect(await db.auditEntry.count({ where: { action: 'dlq.replay', target: job.id } })).toBe(1);
  });

  it('a head that fails again keeps its followers parked behind it; replayed once fixed, all apply in order', async () => {
    const orderId = randomUUID();
    const events = Array.from({ length: 3 }, () => envelope(orderId));
    const head = await headWithParked(events);
    const first = await replayDlqMessages(deps(), operator, { selection: { by: 'ids', ids: [head.id] }, canary: 0 });
    await finished(first.jobs[0]!.job.id);
    await waitFor('the head open again, followers parked again', async () => {
      const rows = await Promise.all(events.map((e) => rowOf(e.id)));
      return rows[0]?.status === 'open' && rows[0].attemptCount === 2 && rows.slice(1).every((r) => r?.status === 'parked' && r.parkedBehind === head.id);
    }, 30_000);
    expect(await appliedOrder(orderId)).toEqual([]);

    broken.delete(events[0]!.id);
    const second = await replayDlqMessages(deps(), operator, { selection: { by: 'ids', ids: [head.id] }, canary: 0 });
    expect((await finished(second.jobs[0]!.job.id)).state).toBe('succeeded');
    await waitFor('all three applied', async () => (await appliedOrder(orderId)).length === 3);
    expect(await appliedOrder(orderId)).toEqual(events.map((e) => e.id));
  });

  it('discarding the head releases its followers and replays them in order; the head is never applied', async () => {
    const orderId = randomUUID();
    const events = Array.from({ length: 4 }, () => envelope(orderId));
    const head = await headWithParked(events);
    const result = await discardDlqMessages(
      { ...deps(), actionsPerMinute: 1_000 },
      operator, { ids: [head.id], reason: 'customer asked for no confirmation mail' });
    expect(result).toMatchObject({ discarded: 1, released: 3 });
    expect(result.releaseJobs).toHaveLength(1);
    expect((await finished(result.releaseJobs[0]!.jobId)).state).toBe('succeeded');
    await waitFor('the three followers applied', async () => (await appliedOrder(orderId)).length === 3);
    expect(await appliedOrder(orderId)).toEqual(events.slice(1).map((e) => e.id));
    expect((await rowOf(events[0]!.id))?.status).toBe('discarded');
  });
});
