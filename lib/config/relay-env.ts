// Configuration of the outbox relay (workers/outbox-relay), parsed once at its start.
import { z } from 'zod';
import { baseEnvSchema, intInRange } from './schemas';
import { LANE_COUNT } from '../domain/lanes';

export const relayEnvSchema = baseEnvSchema.extend({
  /** Rows claimed and published per Kafka request. */
  RELAY_BATCH_SIZE: intInRange(1, 5_000, 500),
  /** Polling fallback when no NOTIFY arrives (a missed notification costs at most this). */
  RELAY_POLL_MS: intInRange(10, 60_000, 500),
  /** After an idle wait ends, wait this long before claiming, so commits of the next moment share the batch (0 = at once). */
  RELAY_LINGER_MS: intInRange(0, 1_000, 10),
  /** Ceiling of the exponential backoff while Kafka (or PostgreSQL) is failing. */
  RELAY_MAX_BACKOFF_MS: intInRange(100, 600_000, 10_000),
  /**
   * Lanes one claim tries to lock. Half of them by default, so the next batch can be
   * claimed from the other half while one commits; lower it to spread work over more relays.
   */
  RELAY_LANES_PER_CLAIM: intInRange(1, LANE_COUNT, LANE_COUNT / 2),
});
export type RelayEnv = z.infer<typeof relayEnvSchema>;
