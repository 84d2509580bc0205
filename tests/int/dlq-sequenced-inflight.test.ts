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
import { createOutboxWriter } from '@/lib/adapters/outbox/outbox-writer';
import { prismaProcessorDeps } from '@/lib/adapters/prisma/processor-ports';
import { createMessageProcessor } from '@/lib/backbone/processor';
import { replayDlqMessages } from '@/lib/app/replay-dlq-messages';
import { createOrderEventRegistry } from '@/lib/demo/orders/events';
import type { DlqReplayHarness } from '../support/dlq-replay-harness';
import { sequencedDlqTest, sequencedOperator as operator, sequencedReplayLimits as limits } from '../support/dlq-sequenced-helpers';
import { waitFor } from '../support/wait-for';

/** The handler holds this event until `releaseWhen` is true (15 s at most). */
let hold: { eventId: string; releaseWhen: () => Promise<boolean>; held: boolean } | null = null;

const t = sequencedDlqTest('dlq-seq-inflight', async (event) => {
  if (hold?.eventId !== event.id) return;
  hold.held = true;
  const { releaseWhen } = hold;
  await waitFor('the late event parked while the head is held', releaseWhen, 15_000);
});
const { broken, envelope, send, rowOf, appliedOrder, headWithParked, topic } = t;

let harness: DlqReplayHarness;

beforeAll(async () => {
  harness = await t.start({ database: 'dlq_seq_inflight', partitions: 1, runnerConcurrency: 1, replayTopicPartitions: 1 });
}, 120_000);

afterAll(async () => {
  await t.stop();
});

describe('sequenced dead-lettering: an event arriving while its head is replayed', () => {
  it('is applied after the head and its follower, in original order, by the same replay; nothing is left open', async () => {
    const orderId = randomUUID();
    const [head, follower] = [envelope(orderId), envelope(orderId)];
    const headRow = await headWithParked([head, follower]);
    broken.delete(head.id);

    const late = envelope(orderId);
    hold = { eventId: head.id, held: false, releaseWhen: async () => (await rowOf(late.id))?.status === 'parked' };
    const { jobs } = await replayDlqMessages(harness.replayDeps(limits), operator, { selection: { by: 'ids', ids: [headRow.id] } });
    await waitFor('the head\'s replay held in the handler', async () => hold!.held, 30_000);
    expect((await rowOf(head.id))?.status).toBe('replaying');
    const [sent] = await send([late]);
    // The replica handles it: parked behind the head, whose replay is in flight (the hold ends then).
    const replica = createMessageProcessor(t.consumer, prismaProcessorDeps({ db: harness.db, registry: createOrderEventRegistry(), outbox: createOutboxWriter({ source: '/test', topicFor: () => topic }) }));
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
    expect(await t.unsettledCount()).toBe(0);
    expect(job.progress).toMatchObject({ done: 3 });
  }, 120_000);
});
