// Sequenced dead-lettering on real Kafka and PostgreSQL: an event that arrives while its
// subject's head is being replayed (the head's replay record sent, not yet applied).
// The head's replay is held in the handler until the late event has been parked behind
// it; the late event is handled meanwhile by a second replica of the consumer (the one
// that owns the topic's partition while this one owns the replay topic's: kafkajs does
// not fetch for one process while one of its batches is held). Expected: the late event is applied after the head
// and the head's follower, in original order, by the same replay job, and no row is
// left open (before the fix the replay applied head + follower and the late event was
// left `open`, a new head an operator had to find and replay).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { Producer } from 'kafkajs';
import type { Db } from '@/lib/adapters/prisma/client';
import { createOutboxWriter } from '@/lib/adapters/outbox/outbox-writer';
import { prismaProcessorDeps, type PrismaTx } from '@/lib/adapters/prisma/processor-ports';
import { createMessageProcessor } from '@/lib/backbone/processor';
import type { ConsumerDefinition } from '@/lib/backbone/consumer-definition';
import { replayDlqMessages, type ReplayDeps } from '@/lib/app/replay-dlq-messages';
import { createOrderEventRegistry } from '@/lib/demo/orders/events';
import type { SessionUser } from '@/lib/domain/session-user';
import { AppError } from '@/lib/errors';
import { startDlqReplayHarness, type DlqReplayHarness } from '../support/dlq-replay-harness';
import { waitFor } from '../support/wait-for';

const suffix = randomUUID().slice(0, 8);
const topic = `t-dlq-seq-inflight-${suffix}`;
const consumerName = `dlq-seq-inflight-${suffix}`;
const operator: SessionUser = { id: randomUUID(), email: 'op@example.com', name: 'Op', role: 'operator' };
const limits: ReplayDeps['limits'] = { confirmOver: 100, approvalOver: 10_000, rateCap: 2_000, canary: 0, maxInFlight: 5_000, canaryTimeoutMs: 20_000, actionsPerMinute: 1_000 };

let harness: DlqReplayHarness;
let db: Db;
let producer: Producer;

/** Event ids that fail permanently while listed. */
const broken = new Set<string>();
/** The handler holds this event until `releaseWhen` is true (15 s at most). */
let hold: { eventId: string; releaseWhen: () => Promise<boolean>; held: boolean } | null = null;

const sequenced: ConsumerDefinition<PrismaTx> = {
  name: consumerName,
  topics: [topic],
  handles: ['orders.OrderPlaced'],
  retry: { maxAttempts: 1, baseMs: 10, maxMs: 20 },
  sequenced: true,
  async handle(event, ctx) {
    if (broken.has(event.id)) throw new AppError('permanent', `mail server refused message ${event.id}`);
    if (hold?.eventId === event.id) {
      hold.held = true;
      const { releaseWhen } = hold;
      await waitFor('the late event parked while the head is held', releaseWhen, 15_000);
    }
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
  harness = await startDlqReplayHarness({
    database: 'dlq_seq_inflight', suffix, consumer: sequenced, partitions: 1, poolSize: 8, idempotentProducer: true, jobRunner: true, runnerConcurrency: 1, replayTopicPartitions: 1,
  });
  ({ db, producer } = harness);
}, 120_000);

afterAll(async () => {
  await harness?.stop();
});

describe('sequenced dead-lettering: an event arriving while its head is replayed', () => {
  it('is applied after the head and its follower, in original order, by the same replay; nothing is left open', async () => {
    const orderId = randomUUID();
    const [head, follower] = [envelope(orderId), envelope(orderId)];
    broken.add(head.id);
    await send([head, follower]);
    await waitFor('the head dead-lettered, its follower parked', async () => (await rowOf(follower.id))?.status === 'parked', 30_000);
    const headRow = (await rowOf(head.id))!;
    broken.delete(head.id);

    const late = envelope(orderId);
    hold = { eventId: head.id, held: false, releaseWhen: async () => (await rowOf(late.id))?.status === 'parked' };
    const { jobs } = await replayDlqMessages(harness.replayDeps(limits), operator, { selection: { by: 'ids', ids: [headRow.id] } });
    await waitFor('the head\'s replay held in the handler', async () => hold!.held, 30_000);
    expect((await rowOf(head.id))?.status).toBe('replaying');
    const [sent] = await send([late]);
    // The replica handles it: parked behind the head, whose replay is in flight (the hold ends then).
    const replica = createMessageProcessor(sequenced, prismaProcessorDeps({ db, registry: createOrderEventRegistry(), outbox: createOutboxWriter({ source: '/test', topicFor: () => topic }) }));
    const message = { topic, partition: 0, offset: sent!.baseOffset!, key: Buffer.from(late.subject), value: Buffer.from(JSON.stringify(late)), headers: [] };
    expect(await replica.process([message], { onDone: () => {} })).toBe(true);
    expect((await rowOf(late.id))?.parkedBehind).toBe(headRow.id);

    const job = await harness.finished(jobs[0]!.job.id);
    expect(job.state).toBe('succeeded');
    const handled = await waitFor('all three handled', async () => {
      const rows = await Promise.all([head, follower, late].map((e) => rowOf(e.id)));
      return rows.every((r) => r && ['resolved', 'open'].includes(r.status)) ? true : null;
    }, 20_000).catch(() => false);
    const states = await Promise.all([head, follower, late].map(async (e) => (await rowOf(e.id))?.status));
    expect({ handled, states }).toEqual({ handled: true, states: ['resolved', 'resolved', 'resolved'] });
    expect(await appliedOrder(orderId)).toEqual([head.id, follower.id, late.id]);
    expect(await db.dlqMessage.count({ where: { consumer: consumerName, status: { in: ['open', 'parked', 'replaying'] } } })).toBe(0);
    expect(job.progress).toMatchObject({ done: 3 });
  }, 120_000);
});
