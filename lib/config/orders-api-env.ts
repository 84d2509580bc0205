// Configuration of the demo orders API (workers/orders-api) and the orders CLI.
import { z } from 'zod';
import { baseEnvSchema, intInRange } from './schemas';
import { envInt } from './env-number';

export const ordersApiEnvSchema = baseEnvSchema.extend({
  // intInRange, with a message that explains 0.
  ORDERS_API_PORT: envInt(0, 65_535, 3100, 'must be 0-65535 (0 picks a free port)'),
  // Loopback by default: the demo API has no authentication.
  ORDERS_API_HOST: z
    .string()
    .regex(/^[A-Za-z0-9.:-]{1,253}$/, 'must be a host name or IP address, e.g. 127.0.0.1')
    .default('127.0.0.1'),
  ORDERS_API_SHUTDOWN_TIMEOUT_MS: intInRange(0, 60_000, 10_000),
});
export type OrdersApiEnv = z.infer<typeof ordersApiEnvSchema>;

export const ordersCliEnvSchema = baseEnvSchema.pick({ DATABASE_URL: true, KAFKA_TOPIC_PREFIX: true });
