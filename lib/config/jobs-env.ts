// Configuration of the jobs worker (workers/jobs), parsed once at its start.
import { z } from 'zod';
import { baseEnvSchema, intInRange } from './schemas';

export const jobsEnvSchema = baseEnvSchema
  .pick({ NODE_ENV: true, DATABASE_URL: true, LOG_LEVEL: true, KAFKA_TOPIC_PREFIX: true })
  .extend({
    /** Jobs this process runs at once. */
    JOBS_CONCURRENCY: intInRange(1, 32, 2),
    /** How often an idle worker asks pg-boss for a delivery. */
    JOBS_POLL_MS: intInRange(50, 60_000, 1_000),
    /** How often a run proves it is alive (and saves its progress). */
    JOBS_HEARTBEAT_MS: intInRange(50, 60_000, 2_000),
    /** A running job whose heartbeat is older than this is taken back and resumed from its checkpoint elsewhere. */
    JOBS_STALE_AFTER_MS: intInRange(500, 600_000, 15_000),
    /** How often the worker reclaims stale jobs and re-delivers queued ones. */
    JOBS_SWEEP_MS: intInRange(100, 600_000, 5_000),
    /** On SIGTERM, how long running jobs get to reach a checkpoint before they are aborted. */
    JOBS_SHUTDOWN_TIMEOUT_MS: intInRange(0, 600_000, 15_000),
  })
  .superRefine((env, ctx) => {
    // Two missed heartbeats before a live run could be taken for dead.
    if (env.JOBS_STALE_AFTER_MS < 2 * env.JOBS_HEARTBEAT_MS) {
      ctx.addIssue({ code: 'custom', path: ['JOBS_STALE_AFTER_MS'], message: `must be at least twice JOBS_HEARTBEAT_MS (${env.JOBS_HEARTBEAT_MS})` });
    }
  });
export type JobsEnv = z.infer<typeof jobsEnvSchema>;
