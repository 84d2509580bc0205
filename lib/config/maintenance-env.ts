// Configuration of the maintenance worker (workers/maintenance): what it prunes, how
// old a row must be, and how hard it may push the database while doing it.
import { z } from 'zod';
import { baseEnvSchema, intInRange } from './schemas';
import { DEFAULT_RETENTION_DAYS, MAX_RETENTION_DAYS } from '../domain/retention-policy';

/** Upper bound of one delete: larger batches hold row locks and WAL bursts too long. */
export const MAX_PRUNE_BATCH_SIZE = 50_000;

export const maintenanceEnvSchema = baseEnvSchema.pick({ NODE_ENV: true, DATABASE_URL: true, LOG_LEVEL: true }).extend({
  /** consumer_attempts older than this are deleted (0 is refused: it would delete everything). */
  MAINTENANCE_ATTEMPTS_RETENTION_DAYS: intInRange(1, MAX_RETENTION_DAYS, DEFAULT_RETENTION_DAYS.consumer_attempts),
  /** idempotency_keys older than this are deleted; a retry with such a key runs the command again. */
  MAINTENANCE_IDEMPOTENCY_RETENTION_DAYS: intInRange(1, MAX_RETENTION_DAYS, DEFAULT_RETENTION_DAYS.idempotency_keys),
  /** Rows deleted per statement (one short transaction each). */
  MAINTENANCE_BATCH_SIZE: intInRange(1, MAX_PRUNE_BATCH_SIZE, 5_000),
  /** Pause between batches, so pruning a large backlog leaves room for the hot path and replicas. */
  MAINTENANCE_BATCH_PAUSE_MS: intInRange(0, 60_000, 100),
  /** How often a pruning pass starts. */
  MAINTENANCE_INTERVAL_SECONDS: intInRange(10, 86_400, 300),
});
export type MaintenanceEnv = z.infer<typeof maintenanceEnvSchema>;
