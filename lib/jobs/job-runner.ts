// The jobs worker's loop: fetch a delivery from pg-boss, claim the job in
// background_jobs, run it (up to `concurrency` at once) and, on a timer, sweep:
// reclaim jobs whose worker stopped heartbeating and make sure every queued job has
// a delivery waiting. docs/jobs.md explains who does what.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db } from '../adapters/prisma/client';
import { errorMessageOf } from '../errors';
import type { JobKindRegistry } from './job-kind';
import type { JobQueue } from './job-queue';
import { executeRun, type RunLogger } from './job-run';
import { claimJob, listQueuedJobIds, reclaimStaleJobs } from './job-store';

export interface JobRunnerOptions {
  db: Db;
  queue: JobQueue;
  kinds: JobKindRegistry;
  concurrency: number;
  pollMs: number;
  heartbeatMs: number;
  staleAfterMs: number;
  sweepMs: number;
  shutdownTimeoutMs: number;
  logger: RunLogger;
  workerId?: string;
}

export interface JobRunner {
  readonly workerId: string;
  start(): void;
  /** Stops fetching; running jobs save at their next checkpoint and go back to the queue. */
  stop(): Promise<void>;
  /** One sweep now (tests, and the first pass at start). */
  sweep(): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createJobRunner(options: JobRunnerOptions): JobRunner {
  const { db, queue, kinds, logger } = options;
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const active = new Set<Promise<void>>();
  const workerAbort = new AbortController();
  let stopping = false;
  let wake: () => void = () => {};
  let loopDone: Promise<void> = Promise.resolve();
  let sweepTimer: NodeJS.Timeout | undefined;

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => (clearTimeout(timer), resolve());
    });

  async function handle(delivery: { deliveryId: string; jobId: string }): Promise<void> {
    const runToken = randomUUID();
    const claimed = UUID.test(delivery.jobId) ? await claimJob(db, { jobId: delivery.jobId, runToken, workerId, kinds: kinds.names() }) : null;
    // Claimed or not, this delivery did its work (a job that is not claimable now gets a new one when it is queued again).
    await queue.complete(delivery.deliveryId);
    if (!claimed) return;
    const kind = kinds.require(claimed.kind);
    logger.info(`jobs: ${kind.name} ${claimed.id} claimed by ${workerId} (run ${claimed.attempts})`);
    const deps = { db, kind, heartbeatMs: options.heartbeatMs, logger, workerStopping: () => stopping, workerAbort: workerAbort.signal };
    const run: Promise<void> = executeRun(deps, claimed, runToken)
      .then(async (state) => {
        // Handed back by a stopping worker: wake another worker now rather than at its next sweep.
        if (state === 'queued') await queue.enqueue(claimed.id);
      })
      .catch((error: unknown) => logger.warn(`jobs: run of ${claimed.id} ended badly: ${errorMessageOf(error)}`))
      .finally(() => {
        active.delete(run);
        wake();
      });
    active.add(run);
  }

  async function loop(): Promise<void> {
    while (!stopping) {
      if (active.size >= options.concurrency) {
        await Promise.race([...active, pause(options.pollMs)]);
        continue;
      }
      try {
        const delivery = await queue.fetch();
        if (delivery) await handle(delivery);
        else await pause(options.pollMs);
      } catch (error) {
        logger.warn(`jobs: fetching or claiming failed, retrying in ${options.pollMs} ms: ${errorMessageOf(error)}`);
        await pause(options.pollMs);
      }
    }
  }

  async function sweep(): Promise<void> {
    try {
      for (const job of await reclaimStaleJobs(db, options.staleAfterMs)) {
        logger.warn(`jobs: ${job.id} stopped heartbeating; ${job.state === 'queued' ? 'queued again to resume from its checkpoint' : 'cancelled'}`);
      }
      for (const id of await listQueuedJobIds(db, 100)) await queue.enqueue(id);
    } catch (error) {
      logger.warn(`jobs: sweep failed: ${errorMessageOf(error)}`);
    }
  }

  return {
    workerId,
    sweep,
    start() {
      loopDone = loop();
      let sweeping = false;
      sweepTimer = setInterval(() => {
        if (sweeping || stopping) return;
        sweeping = true;
        void sweep().finally(() => (sweeping = false));
      }, options.sweepMs);
      void sweep();
    },
    async stop() {
      stopping = true;
      clearInterval(sweepTimer);
      wake();
      const settled = () => Promise.allSettled([...active]).then(() => true);
      const timedOut = (ms: number) => new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref());
      if (!(await Promise.race([settled(), timedOut(options.shutdownTimeoutMs)]))) {
        logger.warn(`jobs: ${active.size} run(s) still busy after ${options.shutdownTimeoutMs} ms; aborting them`);
        workerAbort.abort(new Error('the worker is stopping'));
        await Promise.race([settled(), timedOut(5_000)]);
      }
      await loopDone;
    },
  };
}
