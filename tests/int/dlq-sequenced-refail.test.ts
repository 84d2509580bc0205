// Sequenced dead-lettering on real Kafka and PostgreSQL: a follower (parked behind its
// subject's head) whose replay fails again after the head was applied. It is then the
// subject's head: open and behind nothing, so a replay can select it, and the events
// parked behind it follow it. Before the fix it stayed open with parked_behind = the
// resolved head: the preview and the job (which select rows behind nothing) never found
// it, and the subject's later events waited behind it for ever.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { replayDlqMessages } from '@/lib/app/replay-dlq-messages';
import type { DlqReplayHarness } from '../support/dlq-replay-harness';
import { sequencedDlqTest, sequencedOperator as operator, sequencedReplayLimits as limits } from '../support/dlq-sequenced-helpers';
import { waitFor } from '../support/wait-for';

const t = sequencedDlqTest('dlq-seq-refail');
const { broken, envelope, rowOf, appliedOrder, headWithParked } = t;

let harness: DlqReplayHarness;

beforeAll(async () => {
  harness = await t.start({ database: 'dlq_seq_refail', partitions: 1 });
}, 120_000);

afterAll(async () => {
  await t.stop();
});

describe('sequenced dead-lettering: a follower failing again after its head was applied', () => {
  it('becomes the subject\'s head: open, behind nothing, replayable with the events behind it, in order', async () => {
    const orderId = randomUUID();
    const [head, follower, third] = [envelope(orderId), envelope(orderId), envelope(orderId)];
    const headRow = await headWithParked([head, follower, third]);
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
    expect(await t.unsettledCount()).toBe(0);
  }, 180_000);
});
