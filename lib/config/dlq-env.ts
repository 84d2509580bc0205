// DLQ replay limits, read by the console (gates, defaults) and the jobs worker
// (producing replays). docs/dlq.md explains each.
import { z } from 'zod';
import { baseEnvSchema, intInRange } from './schemas';

export const dlqEnvSchema = baseEnvSchema.pick({ DATABASE_URL: true, KAFKA_BROKERS: true, KAFKA_CLIENT_ID: true, KAFKA_TOPIC_PREFIX: true }).extend({
  /** A replay of more messages than this needs the count typed back. */
  DLQ_REPLAY_CONFIRM_OVER: intInRange(1, 10_000_000, 100),
  /** A replay of more messages than this needs a second person's (an admin's) approval. */
  DLQ_REPLAY_APPROVAL_OVER: intInRange(1, 10_000_000, 10_000),
  /** Messages per second a replay may use at most (admins may lower or raise it up to 2,000). */
  DLQ_REPLAY_RATE_CAP: intInRange(1, 2_000, 2_000),
  /** Canary: replay this many first and wait for their outcome before the rest. */
  DLQ_REPLAY_CANARY: intInRange(0, 10_000, 10),
  /** Abort when this many replayed messages are still waiting for the consumer (its lag on the replay). */
  DLQ_REPLAY_MAX_IN_FLIGHT: intInRange(1, 1_000_000, 5_000),
  /** How long the canary's outcome is waited for. */
  DLQ_REPLAY_CANARY_TIMEOUT_MS: intInRange(100, 3_600_000, 60_000),
  /** Replays, discards and edits one user may make per minute. */
  DLQ_ACTIONS_PER_MINUTE: intInRange(1, 10_000, 30),
});
export type DlqEnv = z.infer<typeof dlqEnvSchema>;
