// Configuration of the outbox relay (workers/outbox-relay), parsed once at its start.
import { z } from 'zod';
import { baseEnvSchema } from './schemas';
import { LANE_COUNT } from '../domain/lanes';

// Same shape as the helper in schemas.ts (which does not export it).
const intInRange = (min: number, max: number, fallback: number) =>
  z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .default(fallback);

export const relayEnvSchema = baseEnvSchema.extend({
  /** Rows claimed and published per Kafka request. */
  RELAY_BATCH_SIZE: intInRange(1, 5_000, 500),
  /** Polling fallback when no NOTIFY arrives (a missed notification costs at most this). */
  RELAY_POLL_MS: intInRange(10, 60_000, 500),
  /** Ceiling of the exponential backoff while Kafka (or PostgreSQL) is failing. */
  RELAY_MAX_BACKOFF_MS: intInRange(100, 600_000, 10_000),
  /** Lanes one claim tries to lock; lower it to spread work over more relays. */
  RELAY_LANES_PER_CLAIM: intInRange(1, LANE_COUNT, LANE_COUNT),
});
export type RelayEnv = z.infer<typeof relayEnvSchema>;
