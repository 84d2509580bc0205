// Configuration of the lag sampler (workers/lag-sampler), parsed once at its start.
import { z } from 'zod';
import { baseEnvSchema, intInRange } from './schemas';
import { groupPrefixEnvSchema } from './group-prefix-env';

export const samplerEnvSchema = baseEnvSchema.extend(groupPrefixEnvSchema.shape).extend({
  /** Seconds between two samples. */
  SAMPLER_INTERVAL_SECONDS: intInRange(1, 3_600, 10),
  /** Sliding window the health rules look at (STALL, STOP, WARN need this much history). */
  SAMPLER_WINDOW_SECONDS: intInRange(30, 86_400, 300),
  /** Raw samples are kept this long, 1-minute rollups SAMPLER_ROLLUP_RETENTION_DAYS. */
  SAMPLER_RAW_RETENTION_HOURS: intInRange(1, 24 * 30, 24),
  SAMPLER_ROLLUP_RETENTION_DAYS: intInRange(1, 365, 7),
  /** Committed-offset fetches (one per group) in flight at once. */
  SAMPLER_ADMIN_CONCURRENCY: intInRange(1, 256, 32),
  /** `all` samples every consumer group, `prefix` only those named `<KAFKA_GROUP_PREFIX>.…`. */
  SAMPLER_GROUPS: z.enum(['prefix', 'all'], { message: 'must be prefix or all' }).default('prefix'),
});
export type SamplerEnv = z.infer<typeof samplerEnvSchema>;
