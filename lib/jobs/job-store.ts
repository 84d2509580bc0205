// The runner's reads and writes of background_jobs. Every write made for a run is
// fenced by its run_token: once the job was reclaimed, resumed or finished elsewhere,
// the old run's writes match no row and it stops (see docs/jobs.md, "Resume").
import type { Db, Prisma } from '../adapters/prisma/client';
import { finalState, isJobState, type JobState, type RunOutcome } from './job-state';
import type { RateSample } from './job-rate';

export interface RunProgress {
  done: number;
  total: number | null;
  failures: number;
  samples: RateSample[];
}

export interface ClaimedJob {
  id: string;
  kind: string;
  params: unknown;
  checkpoint: unknown;
  progress: RunProgress;
  attempts: number;
}

/** The run no longer owns its job; nothing it writes will be kept. */
export class LostClaimError extends Error {
  constructor(jobId: string) {
    super(`job ${jobId}: this run no longer owns the job (reclaimed, resumed elsewhere or finished)`);
    this.name = 'LostClaimError';
  }
}

type Tx = Db | Prisma.TransactionClient;

const asJson = (value: unknown) => JSON.stringify(value ?? null);
const big = (n: number | null) => (n === null ? null : BigInt(Math.round(n)));

/** Takes a queued job of a kind this worker knows; null when it is not claimable (taken, paused, finished, unknown kind). */
export async function claimJob(db: Db, input: { jobId: string; runToken: string; workerId: string; kinds: string[] }): Promise<ClaimedJob | null> {
  const rows = await db.$queryRaw<
    { id: string; kind: string; params: unknown; checkpoint: unknown; done: bigint; total: bigint | null; failures: bigint; attempts: number }[]
  >`
    UPDATE background_jobs
       SET state = 'running', run_token = ${input.runToken}::uuid, worker_id = ${input.workerId},
           heartbeat_at = now(), started_at = COALESCE(started_at, now()), attempts = attempts + 1,
           rate_samples = '[]', updated_at = now()
     WHERE id = ${input.jobId}::uuid AND state = 'queued' AND kind = ANY(${input.kinds}::text[])
    RETURNING id, kind, params, checkpoint, progress_done AS done, progress_total AS total, progress_failures AS failures, attempts`;
  const row = rows[0];
  if (!row) return null;
  return {
    id: row.id,
    kind: row.kind,
    params: row.params,
    checkpoint: row.checkpoint,
    attempts: row.attempts,
    progress: { done: Number(row.done), total: row.total === null ? null : Number(row.total), failures: Number(row.failures), samples: [] },
  };
}

async function fencedProgress(tx: Tx, jobId: string, runToken: string, p: RunProgress, checkpoint?: { value: unknown }): Promise<JobState | null> {
  const rows = await tx.$queryRaw<{ state: string }[]>`
    UPDATE background_jobs
       SET heartbeat_at = now(), updated_at = now(),
           progress_done = ${big(p.done)}, progress_total = ${big(p.total)}, progress_failures = ${big(p.failures)},
           rate_samples = ${asJson(p.samples)}::jsonb,
           checkpoint = CASE WHEN ${checkpoint !== undefined} THEN ${asJson(checkpoint?.value)}::jsonb ELSE checkpoint END
     WHERE id = ${jobId}::uuid AND run_token = ${runToken}::uuid AND state IN ('running', 'paused', 'cancelling')
    RETURNING state::text AS state`;
  const state = rows[0]?.state;
  return state && isJobState(state) ? state : null;
}

/** Heartbeat: proves the run is alive and saves progress; returns the job's state, or null when the claim is lost. */
export function heartbeat(db: Db, jobId: string, runToken: string, progress: RunProgress): Promise<JobState | null> {
  return fencedProgress(db, jobId, runToken, progress);
}

/** Checkpoint and progress, plus the kind's effects, in one fenced transaction. Returns the job's state. */
export async function saveCheckpoint(
  db: Db,
  input: { jobId: string; runToken: string; progress: RunProgress; checkpoint: unknown },
  effects?: (tx: Prisma.TransactionClient) => Promise<void>,
): Promise<JobState> {
  return db.$transaction(async (tx) => {
    // The job row first: it locks the row, so a concurrent reclaim or resume waits for this commit.
    const state = await fencedProgress(tx, input.jobId, input.runToken, input.progress, { value: input.checkpoint });
    if (!state) throw new LostClaimError(input.jobId);
    if (effects) await effects(tx);
    return state;
  });
}

/** Ends a run: the job's next state follows finalState(); null when the claim was already lost. */
export async function finishRun(
  db: Db,
  input: { jobId: string; runToken: string; outcome: RunOutcome; progress: RunProgress; result?: unknown; error?: string },
): Promise<JobState | null> {
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ state: string }[]>`
      SELECT state::text AS state FROM background_jobs WHERE id = ${input.jobId}::uuid AND run_token = ${input.runToken}::uuid FOR UPDATE`;
    const current = rows[0]?.state;
    if (!current || !isJobState(current)) return null;
    const next = finalState(current, input.outcome);
    if (!next) return null;
    const finished = next === 'succeeded' || next === 'failed' || next === 'cancelled';
    const p = input.progress;
    await tx.$executeRaw`
      UPDATE background_jobs
         SET state = ${next}::"JobState", run_token = NULL, worker_id = NULL, updated_at = now(),
             finished_at = CASE WHEN ${finished} THEN now() ELSE NULL END,
             progress_done = ${big(p.done)}, progress_total = ${big(p.total)}, progress_failures = ${big(p.failures)},
             rate_samples = ${asJson(finished ? [] : p.samples)}::jsonb,
             result = CASE WHEN ${input.result !== undefined} THEN ${asJson(input.result)}::jsonb ELSE result END,
             error = COALESCE(${next === 'failed' ? (input.error ?? null) : null}, error)
       WHERE id = ${input.jobId}::uuid`;
    return next;
  });
}

/**
 * Jobs whose run stopped heartbeating (its worker was killed or hung): a running one
 * goes back to the queue to resume from its checkpoint, a cancelling one is cancelled.
 * Safe to run from every worker at once: each row moves once.
 */
export async function reclaimStaleJobs(db: Db, staleAfterMs: number): Promise<{ id: string; state: JobState }[]> {
  const rows = await db.$queryRaw<{ id: string; state: string }[]>`
    UPDATE background_jobs
       SET state = CASE WHEN state = 'cancelling' THEN 'cancelled'::"JobState" ELSE 'queued'::"JobState" END,
           finished_at = CASE WHEN state = 'cancelling' THEN now() ELSE NULL END,
           run_token = NULL, worker_id = NULL, updated_at = now()
     WHERE state IN ('running', 'cancelling') AND heartbeat_at < now() - make_interval(secs => ${staleAfterMs / 1000})
    RETURNING id, state::text AS state`;
  return rows.filter((r): r is { id: string; state: JobState } => isJobState(r.state));
}

/** Queued jobs, oldest first: the sweeper makes sure each has a delivery waiting. */
export async function listQueuedJobIds(db: Db, limit: number): Promise<string[]> {
  const rows = await db.backgroundJob.findMany({ where: { state: 'queued' }, orderBy: { createdAt: 'asc' }, take: limit, select: { id: true } });
  return rows.map((r) => r.id);
}
