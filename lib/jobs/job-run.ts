// One run of a claimed job: builds the kind's context, heartbeats while it runs,
// turns pause/cancel requests into shouldStop() and cancel into the abort signal,
// and records how the run ended. Every write is fenced by the run's token.
import type { Db } from '../adapters/prisma/client';
import { errorMessageOf } from '../errors';
import { STOPPED, type JobContext, type JobKind } from './job-kind';
import { addRateSample } from './job-rate';
import type { JobState, RunOutcome } from './job-state';
import { LostClaimError, finishRun, heartbeat, saveCheckpoint, type ClaimedJob, type RunProgress } from './job-store';

export interface RunLogger {
  info(line: string): void;
  warn(line: string): void;
}

export interface RunDeps {
  db: Db;
  kind: JobKind;
  heartbeatMs: number;
  logger: RunLogger;
  /** True once the worker is shutting down: the run should save and hand the job back. */
  workerStopping(): boolean;
  /** Aborted when the worker cannot wait any longer (shutdown timeout). */
  workerAbort: AbortSignal;
}

/** Runs `job` to its end; returns the state it left the job in, or null when the run lost its claim. */
export async function executeRun(deps: RunDeps, job: ClaimedJob, runToken: string): Promise<JobState | null> {
  const { db, kind, logger } = deps;
  const progress: RunProgress = { ...job.progress, samples: addRateSample([], { at: Date.now(), done: job.progress.done }) };
  const sample = () => (progress.samples = addRateSample(progress.samples, { at: Date.now(), done: progress.done }));
  const controller = new AbortController();
  let requested: JobState = 'running';
  let lost = false;

  const observe = (state: JobState | null) => {
    if (state === null) {
      lost = true;
      controller.abort(new LostClaimError(job.id));
      return;
    }
    requested = state;
    if (state === 'cancelling') controller.abort(new Error('the job is being cancelled'));
  };
  const onWorkerAbort = () => controller.abort(new Error('the worker is stopping'));
  deps.workerAbort.addEventListener('abort', onWorkerAbort, { once: true });

  let beating = false;
  const timer = setInterval(() => {
    if (beating || lost) return;
    beating = true;
    sample();
    heartbeat(db, job.id, runToken, progress)
      .then(observe, (error: unknown) => logger.warn(`jobs: heartbeat of ${job.id} failed: ${errorMessageOf(error)}`))
      .finally(() => (beating = false));
  }, deps.heartbeatMs);

  const params = kind.params.safeParse(job.params);
  const ctx: JobContext<unknown, unknown> = {
    jobId: job.id,
    params: params.data,
    lastCheckpoint: (job.checkpoint ?? null) as unknown,
    signal: controller.signal,
    stopped: STOPPED,
    shouldStop: () => lost || requested === 'paused' || requested === 'cancelling' || deps.workerStopping(),
    progress(done, total, failures) {
      progress.done = done;
      if (total !== undefined) progress.total = total;
      if (failures !== undefined) progress.failures = failures;
    },
    async checkpoint(value, effects) {
      sample();
      try {
        observe(await saveCheckpoint(db, { jobId: job.id, runToken, progress, checkpoint: value }, effects));
      } catch (error) {
        if (error instanceof LostClaimError) observe(null);
        throw error;
      }
    },
  };

  let outcome: RunOutcome;
  let result: unknown;
  let error: string | undefined;
  try {
    if (!params.success) throw new Error(`invalid parameters: ${params.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const returned = await kind.run(ctx);
    outcome = returned === STOPPED ? 'stopped' : 'completed';
    result = returned === STOPPED ? undefined : (returned ?? {});
  } catch (thrown) {
    // A run that lost its claim, or was cut off by a stopping worker, did not fail:
    // the job resumes elsewhere from its last checkpoint.
    outcome = deps.workerStopping() && requested === 'running' ? 'stopped' : 'failed';
    error = errorMessageOf(thrown).slice(0, 4000);
  } finally {
    clearInterval(timer);
    deps.workerAbort.removeEventListener('abort', onWorkerAbort);
  }
  if (lost) return null;
  sample();
  const next = await finishRun(db, { jobId: job.id, runToken, outcome, progress, result, error: outcome === 'failed' ? error : undefined });
  logger.info(`jobs: ${kind.name} ${job.id} run ${job.attempts} ended (${outcome}) → ${next ?? 'claim lost'}`);
  return next;
}
