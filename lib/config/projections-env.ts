// Drift checks, repair and scheduling of projections (docs/projections.md); read by
// the jobs worker, where those jobs run.
import { z } from 'zod';
import { baseEnvSchema, intInRange } from './schemas';

export const projectionsEnvSchema = baseEnvSchema.pick({ DATABASE_URL: true, KAFKA_TOPIC_PREFIX: true }).extend({
  /** Key buckets per drift check (a power of two): only differing buckets are drilled into. */
  PROJECTION_DRIFT_BUCKETS: intInRange(1, 1 << 20, 1024).refine((n) => (n & (n - 1)) === 0, 'must be a power of two'),
  /** Sample differences kept per kind (missing, extra, different) in a drift report. */
  PROJECTION_DRIFT_SAMPLES: intInRange(0, 1000, 20),
  /** How long a check waits for outbox rows that were unpublished at its snapshot. */
  PROJECTION_DRIFT_PUBLISH_WAIT_MS: intInRange(0, 600_000, 10_000),
  /** Minutes between scheduled drift checks of every projection; 0 = only on demand. */
  PROJECTION_DRIFT_EVERY_MIN: intInRange(0, 10_080, 0),
  /** Divergent keys recomputed and written per repair transaction. */
  PROJECTION_REPAIR_BATCH: intInRange(1, 50_000, 500),
});
export type ProjectionsEnv = z.infer<typeof projectionsEnvSchema>;
