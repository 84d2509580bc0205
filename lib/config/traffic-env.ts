// Configuration of the demo traffic generator (workers/traffic-generator).
import { z } from 'zod';
import { baseEnvSchema, intInRange } from './schemas';

export const trafficEnvSchema = baseEnvSchema.extend({
  /** Orders (and poison messages) in flight at once; beyond it the generator waits. */
  TRAFFIC_MAX_IN_FLIGHT: intInRange(1, 256, 16),
  TRAFFIC_KNOB_REFRESH_MS: intInRange(100, 10_000, 1000),
  /** Orders placed within this window go in one transaction (each its own order, events and trace); 0 = one transaction per order. */
  TRAFFIC_BATCH_LINGER_MS: intInRange(0, 1_000, 50),
  /** Client id of the "foreign" producer that writes poison messages, as a legacy service would. */
  TRAFFIC_POISON_CLIENT_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, dot, dash, underscore; at most 64')
    .default('legacy-checkout'),
  TRAFFIC_SHUTDOWN_TIMEOUT_MS: intInRange(0, 60_000, 10_000),
});
export type TrafficEnv = z.infer<typeof trafficEnvSchema>;
