// Wiring of one jobs worker process: database client, pg-boss, kind registry and
// runner. workers/jobs/index.ts calls it with the catalog of kinds; the test worker
// process calls it with the test kinds added, so both run the same code.
import { createDb } from '../adapters/prisma/client';
import type { JobsEnv } from '../config/jobs-env';
import { createJobKindRegistry, type AnyJobKind } from './job-kind';
import { startJobQueue } from './job-queue';
import { createJobRunner } from './job-runner';
import type { RunLogger } from './job-run';

export async function startJobsWorker(env: JobsEnv, kindList: readonly AnyJobKind[], logger: RunLogger) {
  // One connection per running job's checkpoint, plus heartbeats and the sweep.
  const db = createDb(env.DATABASE_URL, { poolSize: env.JOBS_CONCURRENCY + 3 });
  const queue = await startJobQueue({ databaseUrl: env.DATABASE_URL, maintain: true, onError: (e) => logger.warn(`jobs: pg-boss: ${e.message}`) });
  const kinds = createJobKindRegistry(kindList);
  const runner = createJobRunner({
    db,
    queue,
    kinds,
    concurrency: env.JOBS_CONCURRENCY,
    pollMs: env.JOBS_POLL_MS,
    heartbeatMs: env.JOBS_HEARTBEAT_MS,
    staleAfterMs: env.JOBS_STALE_AFTER_MS,
    sweepMs: env.JOBS_SWEEP_MS,
    shutdownTimeoutMs: env.JOBS_SHUTDOWN_TIMEOUT_MS,
    logger,
  });
  runner.start();
  logger.info(`jobs: worker ${runner.workerId} started (kinds ${kinds.names().join(', ')}; concurrency ${env.JOBS_CONCURRENCY})`);
  return {
    workerId: runner.workerId,
    async stop() {
      await runner.stop();
      await queue.stop();
      await db.$disconnect();
    },
  };
}
