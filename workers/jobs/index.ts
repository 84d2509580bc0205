// Jobs worker: runs background jobs (DLQ replay, drift check, repair, rebuild, …)
// delivered through pg-boss, up to JOBS_CONCURRENCY at once. Any number may run; a
// job killed with its worker resumes from its checkpoint on another (docs/jobs.md).
// SIGTERM/SIGINT: running jobs save at their next checkpoint and go back to the queue.
//   npx tsx workers/jobs/index.ts
import { onShutdown } from '../../lib/adapters/process/on-shutdown';
import { jobsEnvSchema } from '../../lib/config/jobs-env';
import { loadEnvOrExit } from '../../lib/config/parse-env';
import { startJobsWorker } from '../../lib/jobs/jobs-worker';
import { jobKinds } from '../../lib/jobs/kinds';
import { startDriftScheduleFromEnv } from './drift-schedule';

const env = loadEnvOrExit(jobsEnvSchema, 'jobs');
const quiet = env.LOG_LEVEL === 'warn' || env.LOG_LEVEL === 'error';
const logger = {
  info: (line: string) => !quiet && console.log(line),
  warn: (line: string) => env.LOG_LEVEL !== 'error' && console.warn(line),
};

startJobsWorker(env, jobKinds, logger)
  .then(async (worker) => ({ worker, schedule: await startDriftScheduleFromEnv(logger) }))
  .then(
    ({ worker, schedule }) =>
      onShutdown('jobs', async (signal) => {
        logger.info(`jobs: ${signal}, letting running jobs reach a checkpoint`);
        await schedule?.stop();
        await worker.stop();
        logger.info('jobs: stopped');
      }),
    (error: unknown) => {
      console.error(`jobs: failed to start: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
