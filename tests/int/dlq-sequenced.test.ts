// Sequenced dead-lettering on real Kafka and PostgreSQL (docs/dlq.md): a consumer that
// opts in parks a subject's later events behind its dead-lettered one (stored, not
// applied) and applies them, in their original order, after it when it is replayed;
// when it fails again they are parked behind it again; when it is discarded they are
// released and replayed in order. Other subjects are not held up. The order is
// checked from the effect table's sequence (notifications.id).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Db } from '@/lib/adapters/prisma/client';
import { replayDlqMessages, type ReplayDeps } from '@/lib/app/replay-dlq-messages';
import { discardDlqMessages } from '@/lib/app/discard-dlq-messages';
import type { DlqReplayHarness } from '../support/dlq-replay-harness';
import { sequencedDlqTest, sequencedOperator as operator, sequencedReplayLimits } from '../support/dlq-sequenced-helpers';
import { waitFor } from '../support/wait-for';

const t = sequencedDlqTest('dlq-seq');
const { broken, envelope, send, rowOf, appliedOrder, headWithParked } = t;

let harness: DlqReplayHarness;
let db: Db;

const limits: ReplayDeps['limits'] = { ...sequencedReplayLimits, canary: 1 };
const deps = (): ReplayDeps => harness.replayDeps(limits);
const finished = (jobId: string) => harness.finished(jobId);

beforeAll(async () => {
  harness = await t.start({ database: 'dlq_sequenced', partitions: 2 });
  ({ db } = harness);
}, 120_000);

afterAll(async () => {
  await t.stop();
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
