// The waits of a replay job: for an admin's approval, for the canary's outcome,
// and the in-flight count (the consumer's lag on this replay). Each polls
// PostgreSQL and returns early when the job is asked to stop.
import type { Db } from '../../adapters/prisma/client';
import type { JobContext } from '../job-kind';

const POLL_MS = 250;

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolve()), ms);
    const onAbort = () => (clearTimeout(timer), reject(signal.reason as Error));
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** True once an admin other than the requester approved (audit `dlq.replay.approve` on this job); false when asked to stop. */
export async function waitForApproval(db: Db, ctx: JobContext<unknown, unknown>): Promise<boolean> {
  for (;;) {
    const approval = await db.auditEntry.findFirst({ where: { action: 'dlq.replay.approve', target: ctx.jobId, outcome: 'ok' } });
    if (approval) return true;
    if (ctx.shouldStop()) return false;
    await sleep(1_000, ctx.signal);
  }
}

const mine = (jobId: string) => ({ replays: { array_contains: [{ jobId }] } });

/** Replayed by this job and not yet handled by the consumer. */
export function inFlightOf(db: Db, jobId: string): Promise<number> {
  return db.dlqMessage.count({ where: { status: 'replaying', ...mine(jobId) } });
}

/**
 * Waits until every message this job replayed was handled (resolved) or failed again
 * (open again), or `timeoutMs`; counts each.
 */
export async function waitForCanary(db: Db, ctx: JobContext<unknown, unknown>, timeoutMs: number) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const groups = await db.dlqMessage.groupBy({ by: ['status'], where: mine(ctx.jobId), _count: { _all: true } });
    const count = (s: string) => groups.find((g) => g.status === s)?._count._all ?? 0;
    const result = { resolved: count('resolved'), failedAgain: count('open'), inFlight: count('replaying') };
    if (result.inFlight === 0 || result.failedAgain > 0 || Date.now() > until || ctx.shouldStop()) return result;
    await sleep(POLL_MS, ctx.signal);
  }
}
