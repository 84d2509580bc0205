// `dlq.replay`: re-delivers dead letters of ONE consumer through its replay topic,
// in original order (topic, partition, offset: a subject's events keep their order),
// at a token-bucket rate, canary first. Scope: the consumer, so one replay per
// consumer runs at a time. Each batch: mark the rows `replaying` (recording this job
// in their replay history), wait for tokens, produce, checkpoint the cursor. A batch
// redone after a killed worker is produced again; the event id is unchanged, so the
// consumer's inbox applies it once, and the row is resolved by the consumer in the
// transaction that applies it (docs/dlq.md).
import { z } from 'zod';
import type { Producer } from 'kafkajs';
import type { Db, Prisma } from '../../adapters/prisma/client';
import { replayTopicOf } from '../../backbone/consumer-definition';
import { replaySelectionSchema, selectionFilter } from '../../domain/dlq/selection';
import { jobRateWithin, replayHeadersOf, storedHeadersOf } from '../../domain/dlq/replay-rules';
import { PARKED_ERROR_CLASS, withFollowers } from '../../domain/dlq/sequencing';
import { createTokenBucket, REPLAY_RATE_MAX, type TokenBucket } from '../../domain/dlq/token-bucket';
import { AppError } from '../../errors';
import { afterCoordinates, dlqMessageWhere, originalOrder, type Coordinates } from '../../adapters/prisma/dlq-where';
import { parkedBehindCount } from '../../adapters/prisma/dlq-parked';
import { defineJobKind, type JobContext } from '../job-kind';
import { inFlightOf, sleep, waitForApproval, waitForCanary } from './dlq-replay-waits';

export const dlqReplayParams = z.object({
  consumer: z.string().min(1).max(200),
  selection: replaySelectionSchema,
  ratePerSecond: z.number().int().min(1).max(REPLAY_RATE_MAX).default(200),
  /** Jobs the request started (one per consumer): together they stay within the cap, so this one within cap / requestJobs. */
  requestJobs: z.number().int().min(1).max(10_000).default(1),
  canary: z.number().int().min(0).max(10_000).default(10),
  maxInFlight: z.number().int().min(1).max(1_000_000).default(5_000),
  canaryTimeoutMs: z.number().int().min(100).max(3_600_000).default(60_000),
  /** Set by the use case above DLQ_REPLAY_APPROVAL_OVER: nothing is produced before an admin approves. */
  needsApproval: z.boolean().default(false),
  requestedBy: z.string().min(1).max(200),
});
export type DlqReplayParams = z.infer<typeof dlqReplayParams>;

export interface DlqReplayCheckpoint {
  after: Coordinates | null;
  done: number;
  canaryPassed: boolean;
}

export interface DlqReplayDeps {
  db: Db;
  producer: Producer;
}

/** Most rows per batch: half a second's worth at the rate, at most this many (2,000/s → 1,000). */
const BATCH = 1_000;
const batchSizeOf = (rate: number) => Math.min(BATCH, Math.max(1, Math.ceil(rate / 2)));
/** How often the in-flight count (the consumer's lag on this replay) is checked. */
const LAG_CHECK_MS = 1_000;

export function createDlqReplayJob(getDeps: () => Promise<DlqReplayDeps>) {
  return defineJobKind<DlqReplayParams, DlqReplayCheckpoint>({
    name: 'dlq.replay',
    params: dlqReplayParams,
    requiredRole: 'operator',
    scope: (p) => `replay:consumer:${p.consumer}`,
    run: async (ctx) => runReplay(ctx, await getDeps()),
  });
}

async function runReplay(ctx: JobContext<DlqReplayParams, DlqReplayCheckpoint>, deps: DlqReplayDeps) {
  const { db } = deps;
  const p = ctx.params;
  if (p.needsApproval && !(await waitForApproval(db, ctx))) return ctx.stopped;
  const { filter, ids } = selectionFilter(p.selection);
  const mine = { replays: { array_contains: [{ jobId: ctx.jobId }] } };
  const matching = { AND: [dlqMessageWhere({ ...filter, status: undefined }, ids), { consumer: p.consumer }] };
  // Open rows (not parked behind another), plus rows this job marked and may not have produced (a redone batch).
  const selected = { AND: [matching, { parkedBehind: null }, { OR: [{ status: 'open' as const }, { status: 'replaying' as const, ...mine }] }] };
  let { after, done, canaryPassed } = ctx.lastCheckpoint ?? { after: null, done: 0, canaryPassed: p.canary === 0 };
  // Sequenced dead-lettering: the events parked behind a selected row are sent right after it.
  const [heads, parked] = await Promise.all([
    db.dlqMessage.count({ where: { AND: [selected, afterCoordinates(after)] } }),
    parkedBehindCount(db, { AND: [matching, afterCoordinates(after)] }),
  ]);
  const total = done + heads + parked;
  const rate = createRate(db, p.ratePerSecond, p.requestJobs);
  let lagCheckedAt = 0;
  ctx.progress(done, total, 0);

  const fetchBatch = async (from: Coordinates | null, take: number): Promise<Row[]> => withParked(db, p.consumer, ctx.jobId, await nextInOrder(db, selected, from, take));
  // The next batch is read while this one is produced (reads only; the marking re-checks each row).
  let prefetched: Promise<Row[] | null> | null = null;
  for (;;) {
    if (ctx.shouldStop()) return ctx.stopped;
    const bucket = await rate.bucket();
    const take = canaryPassed ? batchSizeOf(bucket.ratePerSecond) : Math.max(1, Math.min(BATCH, p.canary - done));
    const fetched: Row[] = (prefetched ? await prefetched : null) ?? (await fetchBatch(after, take));
    prefetched = null;
    if (fetched.length === 0) break;
    // Tokens first: a pause or cancel during the wait leaves no row marked and unsent.
    const wait = bucket.reserve(fetched.length, Date.now());
    if (wait > 0) await sleep(wait, ctx.signal);
    const marked = await markReplaying(db, fetched.map((r) => r.id), ctx.jobId, p.requestedBy);
    // Sent: what this batch marked, and what this job had marked before (a redone batch); not a row discarded meanwhile.
    const rows = fetched.filter((r) => marked.has(r.id) || (r.status === 'replaying' && isMine(r, ctx.jobId)));
    const lastHead = fetched.filter((r) => r.parkedBehind === null).at(-1)!;
    const cursor = { topic: lastHead.topic, partition: lastHead.partition, offset: String(lastHead.offset) };
    if (canaryPassed) prefetched = fetchBatch(cursor, take).catch(() => null);
    try {
      if (rows.length) await deps.producer.send({ topic: replayTopicOf(p.consumer), acks: -1, messages: await recordsOf(db, rows, ctx.jobId) });
    } catch (error) {
      // Not sent (as far as we know): back to open, so they are not stuck as `replaying`.
      // If the broker did take them, the consumer resolves them anyway (resolve accepts open rows).
      await reopen(db, rows.map((r) => r.id));
      throw error;
    }
    after = cursor;
    done += fetched.length;
    ctx.progress(done, Math.max(total, done), 0);
    await ctx.checkpoint({ after, done, canaryPassed });
    if (!canaryPassed && done >= p.canary) {
      const canary = await waitForCanary(db, ctx, p.canaryTimeoutMs);
      if (canary.failedAgain > 0) {
        throw new AppError('rejected', `canary failed: ${canary.failedAgain} of ${done} replayed messages failed again; replay aborted (the rest stay open)`, { details: canary });
      }
      canaryPassed = true;
      await ctx.checkpoint({ after, done, canaryPassed });
    }
    if (Date.now() - lagCheckedAt < LAG_CHECK_MS) continue;
    lagCheckedAt = Date.now();
    const inFlight = await inFlightOf(db, ctx.jobId);
    if (inFlight > p.maxInFlight) {
      throw new AppError('rejected', `${p.consumer} is behind on the replay: ${inFlight} replayed messages not yet handled (limit ${p.maxInFlight}); replay aborted`);
    }
  }
  // Sequenced dead-lettering: events of these subjects that arrived while their rows were in flight.
  const followed = await sendLateArrivals(ctx, deps, rate, Math.min(p.canaryTimeoutMs, 30_000));
  if (followed === null) return ctx.stopped;
  if (followed > 0) {
    done += followed;
    await ctx.checkpoint({ after, done, canaryPassed });
  }
  const outcome = await waitForCanary(db, ctx, Math.min(p.canaryTimeoutMs, 30_000));
  ctx.progress(done, done, outcome.failedAgain);
  return { replayed: done, ...outcome };
}

type Row = Awaited<ReturnType<Db['dlqMessage']['findMany']>>[number];

/**
 * The next `take` selected rows after the cursor in original order. Asked as up to three
 * range queries (rest of the partition, later partitions, later topics), each an index
 * range on (consumer, topic, partition, offset), so a batch costs the same at the end of
 * a 100,000-row replay as at its start (one OR-ed condition would walk from the start).
 */
async function nextInOrder(db: Db, selected: Prisma.DlqMessageWhereInput, after: Coordinates | null, take: number): Promise<Row[]> {
  if (!after) return db.dlqMessage.findMany({ where: selected, orderBy: originalOrder, take });
  const rows: Row[] = [];
  const ranges: Prisma.DlqMessageWhereInput[] = [
    { topic: after.topic, partition: after.partition, offset: { gt: BigInt(after.offset) } },
    { topic: after.topic, partition: { gt: after.partition } },
    { topic: { gt: after.topic } },
  ];
  for (const range of ranges) {
    rows.push(...(await db.dlqMessage.findMany({ where: { AND: [selected, range] }, orderBy: originalOrder, take: take - rows.length })));
    if (rows.length >= take) break;
  }
  return rows;
}

/** The batch with each row's parked events (not yet sent by another job) right after it. */
async function withParked(db: Db, consumer: string, jobId: string, rows: Row[]): Promise<Row[]> {
  if (rows.length === 0) return rows;
  const followers = await db.dlqMessage.findMany({
    where: { consumer, parkedBehind: { in: rows.map((r) => r.id) }, OR: [{ status: 'parked' }, { status: 'replaying', replays: { array_contains: [{ jobId }] } }] },
    orderBy: originalOrder,
  });
  return withFollowers(rows, followers);
}

/**
 * After the last batch, until every row this job sent was handled (or `timeoutMs`): the
 * events of its subjects that arrived while their rows were in flight (parked behind a
 * row of this job that is still `replaying`, or made the subject's new head when that
 * row was applied; docs/dlq.md, "Late arrivals") are sent too, after the
 * rows they wait for, on the same key. Returns how many, or null when asked to stop.
 */
async function sendLateArrivals(ctx: JobContext<DlqReplayParams, DlqReplayCheckpoint>, deps: DlqReplayDeps, rate: ReturnType<typeof createRate>, timeoutMs: number): Promise<number | null> {
  const { db } = deps;
  const p = ctx.params;
  const until = Date.now() + timeoutMs;
  let sent = 0;
  for (;;) {
    if (ctx.shouldStop()) return null;
    // In flight first: a row resolved after this count makes its late arrivals visible to the read below.
    const inFlight = await inFlightOf(db, ctx.jobId);
    const late = await withParked(db, p.consumer, ctx.jobId, await lateArrivals(db, p.consumer, ctx.jobId));
    if (late.length > 0) {
      const wait = (await rate.bucket()).reserve(late.length, Date.now());
      if (wait > 0) await sleep(wait, ctx.signal);
      const marked = await markReplaying(db, late.map((r) => r.id), ctx.jobId, p.requestedBy);
      const rows = late.filter((r) => marked.has(r.id));
      try {
        if (rows.length) await deps.producer.send({ topic: replayTopicOf(p.consumer), acks: -1, messages: await recordsOf(db, rows, ctx.jobId) });
      } catch (error) {
        await reopen(db, rows.map((r) => r.id));
        throw error;
      }
      sent += rows.length;
      continue;
    }
    if (inFlight === 0 || Date.now() > until) return sent;
    await sleep(250, ctx.signal);
  }
}

/**
 * Rows of `consumer` that arrived while this job's rows of their subject were in flight
 * (docs/dlq.md, "Late arrivals"): parked behind a row this job sent that is still `replaying`, or opened
 * as the subject's new head (still the parked error) since the job started. In original order.
 */
async function lateArrivals(db: Db, consumer: string, jobId: string): Promise<Row[]> {
  const mine = JSON.stringify([{ jobId }]);
  const ids = await db.$queryRawUnsafe<{ id: string }[]>(
    `WITH sent AS (SELECT id, subject, status FROM dlq_messages WHERE consumer = $1 AND replays @> $2::jsonb)
     SELECT m.id::text FROM dlq_messages m
      WHERE m.consumer = $1 AND (
        (m.status = 'parked' AND m.parked_behind IN (SELECT id FROM sent WHERE status = 'replaying'))
        OR (m.status = 'open' AND m.parked_behind IS NULL AND m.error_class = $3
            AND m.subject IN (SELECT subject FROM sent WHERE subject IS NOT NULL)
            AND m.status_changed_at >= (SELECT created_at FROM background_jobs WHERE id = $4::uuid)))
      ORDER BY m.topic, m.partition, m."offset"`,
    consumer, mine, PARKED_ERROR_CLASS, jobId);
  if (ids.length === 0) return [];
  return db.dlqMessage.findMany({ where: { id: { in: ids.map((r) => r.id) } }, orderBy: originalOrder });
}

/** The job's rate, lowered (or raised up to its request) when an admin changes the cap while it runs (its share of it: cap / its request's jobs); re-read once a second. */
function createRate(db: Db, requested: number, requestJobs: number) {
  let current: TokenBucket | null = null;
  let checkedAt = 0;
  return {
    async bucket(): Promise<TokenBucket> {
      const now = Date.now();
      if (current && now - checkedAt < 1_000) return current;
      checkedAt = now;
      const setting = await db.dlqSetting.findUnique({ where: { id: 1 } }).catch(() => null);
      const rate = setting ? jobRateWithin(requested, setting.rateCap, requestJobs) : requested;
      // Burst = one batch: the time spent reading and marking a batch earns the tokens of the
      // next (a smaller burst would drop them and the rate would fall short of the target).
      if (!current || current.ratePerSecond !== rate) current = createTokenBucket({ ratePerSecond: rate, burst: batchSizeOf(rate), startMs: now });
      return current;
    },
  };
}

/** Marks the rows still open (or parked) as replayed by this job; returns the ids it marked. */
async function markReplaying(db: Db, ids: string[], jobId: string, by: string): Promise<Set<string>> {
  const entry = JSON.stringify([{ jobId, at: new Date().toISOString(), by }]);
  const marked = await db.$queryRawUnsafe<{ id: string }[]>(
    `UPDATE dlq_messages SET status = 'replaying', status_changed_at = now(), replays = replays || $2::jsonb
      WHERE id = ANY($1::uuid[]) AND status IN ('open', 'parked') RETURNING id::text`,
    ids,
    entry,
  );
  return new Set(marked.map((m) => m.id));
}

const isMine = (row: Row, jobId: string) => Array.isArray(row.replays) && row.replays.some((r) => (r as { jobId?: string } | null)?.jobId === jobId);

/** Back to what they were before this batch marked them: open, or parked behind their head. */
async function reopen(db: Db, ids: string[]): Promise<void> {
  await db.$executeRawUnsafe(
    `UPDATE dlq_messages SET status = CASE WHEN parked_behind IS NULL THEN 'open' ELSE 'parked' END::"DlqStatus", status_changed_at = now()
      WHERE id = ANY($1::uuid[]) AND status = 'replaying'`,
    ids,
  );
}

async function recordsOf(db: Db, rows: Awaited<ReturnType<Db['dlqMessage']['findMany']>>, jobId: string) {
  const edited = rows.filter((r) => r.payloadVersion > 0);
  const versions = edited.length
    ? await db.dlqPayloadVersion.findMany({ where: { OR: edited.map((r) => ({ dlqId: r.id, version: r.payloadVersion })) } })
    : [];
  const payloadOf = new Map(versions.map((v) => [v.dlqId, Buffer.from(v.payload)]));
  return rows.map((r) => ({
    key: r.key ? Buffer.from(r.key) : null,
    value: payloadOf.get(r.id) ?? Buffer.from(r.payload),
    headers: replayHeadersOf(storedHeadersOf(r.headers), { dlqId: r.id, jobId, topic: r.topic, partition: r.partition, offset: String(r.offset) }),
  }));
}
