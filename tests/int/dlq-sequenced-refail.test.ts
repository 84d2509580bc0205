// Sequenced dead-lettering on real Kafka and PostgreSQL: a follower (parked behind its
// subject's head) whose replay fails again after the head was applied. It is then the
// subject's head: open and behind nothing, so a replay can select it, and the events
// parked behind it follow it. Before the fix it stayed open with parked_behind = the
// resolved head: the preview and the job (which select rows behind nothing) never found
// it, and the subject's later events waited behind it for ever.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { Producer } from 'kafkajs';
import type { Db } from '@/lib/adapters/prisma/client';
import type { PrismaTx } from '@/lib/adapters/prisma/processor-ports';
import type { ConsumerDefinition } from '@/lib/backbone/consumer-definition';
import { replayDlqMessages, type ReplayDeps } from '@/lib/app/replay-dlq-messages';
import type { SessionUser } from '@/lib/domain/session-user';
import { AppError } from '@/lib/errors';
import { startDlqReplayHarness, type DlqReplayHarness } from '../support/dlq-replay-harness';
import { waitFor } from '../support/wait-for';

const suffix = randomUUID().slice(0, 8);
const topic = `t-dlq-seq-refail-${suffix}`;
const consumerName = `dlq-seq-refail-${suffix}`;
const operator: SessionUser = { id: randomUUID(), email: 'op@example.com', name: 'Op', role: 'operator' };
const limits: ReplayDeps['limits'] = { confirmOver: 100, approvalOver: 10_000, rateCap: 2_000, canary: 0, maxInFlight: 5_000, canaryTimeoutMs: 20_000, actionsPerMinute: 1_000 };

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
    if (broken.has(event.id)) throw new AppError('permanent', `mail server refused message ${event.id}`);
    await ctx.tx.notification.create({ data: { eventId: event.id, orderId: (event.data as { orderId: string }).orderId, kind: event.type } });
  },
};

function envelope(orderId: string) {
  return {
    specversion: '1.0', id: uuidv7(), type: 'orders.OrderPlaced', version: 2, time: new Date().toISOString(), source: '/test',
    subject: orderId, datacontenttype: 'application/json', trace_id: 'ab'.repeat(16),
    data: { orderId, customerId: 'c-seq', amountCents: 1000, currency: 'EUR', channel: 'api' },
  };
}
const send = (events: ReturnType<typeof envelope>[]) => producer.send({ topic, acks: -1, messages: events.map((e) => ({ key: e.subject, value: JSON.stringify(e) })) });
const rowOf = (eventId: string) => db.dlqMessage.findFirst({ where: { consumer: consumerName, eventId } });
const appliedOrder = async (orderId: string) => (await db.notification.findMany({ where: { orderId }, orderBy: { id: 'asc' } })).map((n) => n.eventId);

beforeAll(async () => {
  harness = await startDlqReplayHarness({ database: 'dlq_seq_refail', suffix, consumer: sequenced, partitions: 1, poolSize: 8, idempotentProducer: true, jobRunner: true });
  ({ db, producer } = harness);
}, 120_000);

afterAll(async () => {
  await harness?.stop();
});

describe('sequenced dead-lettering: a follower failing again after its head was applied', () => {
  it('becomes the subject\'s head: open, behind nothing, replayable with the events behind it, in order', async () => {
    const orderId = randomUUID();
    const [head, follower, third] = [envelope(orderId), envelope(orderId), envelope(orderId)];
    broken.add(head.id);
    await send([head, follower, third]);
    await waitFor('the head dead-lettered, two parked', async () => (await rowOf(third.id))?.status === 'parked', 30_000);
    const headRow = (await rowOf(head.id))!;
    broken.delete(head.id);
    broken.add(follower.id);

    const first = await replayDlqMessages(harness.replayDeps(limits), operator, { selection: { by: 'ids', ids: [headRow.id] } });
    expect((await harness.finished(first.jobs[0]!.job.id)).state).toBe('succeeded');
    await waitFor('the follower failed again', async () => {
      const row = await rowOf(follower.id);
      return row?.status === 'open' && row.attemptCount > 0 ? row : null;
    }, 30_000);
    expect(await appliedOrder(orderId)).toEqual([head.id]);
    const followerRow = (await rowOf(follower.id))!;
    expect({ status: followerRow.status, parkedBehind: followerRow.parkedBehind }).toEqual({ status: 'open', parkedBehind: null });
    expect((await rowOf(third.id))?.status).toBe('parked');
    const dry = await replayDlqMessages(harness.replayDeps(limits), operator, { selection: { by: 'ids', ids: [followerRow.id] }, dryRun: true });
    expect(dry.preview).toMatchObject({ count: 1, parked: 1 });

    broken.delete(follower.id);
    const second = await replayDlqMessages(harness.replayDeps(limits), operator, { selection: { by: 'ids', ids: [followerRow.id] } });
    expect((await harness.finished(second.jobs[0]!.job.id)).state).toBe('succeeded');
    await waitFor('all three applied', async () => (await appliedOrder(orderId)).length === 3, 30_000);
    expect(await appliedOrder(orderId)).toEqual([head.id, follower.id, third.id]);
    expect(await db.dlqMessage.count({ where: { consumer: consumerName, status: { in: ['open', 'parked', 'replaying'] } } })).toBe(0);
  }, 180_000);
});
