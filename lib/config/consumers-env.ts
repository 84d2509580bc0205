import { z } from 'zod';
import { baseEnvSchema, intInRange } from './schemas';
import { groupPrefixEnvSchema } from './group-prefix-env';

export const demoConsumerNames = ['payments', 'shipping', 'notifications', 'order-saga', 'order-summary', 'customer-stats'] as const;

export const consumersEnvSchema = baseEnvSchema.extend({
  CONSUMERS: z
    .string()
    .default(demoConsumerNames.join(','))
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.enum(demoConsumerNames, { message: `each must be one of ${demoConsumerNames.join(', ')}` })).min(1, 'name at least one consumer')),
  CONSUMER_MAX_MESSAGE_BYTES: intInRange(1024, 64 * 1024 * 1024, 1024 * 1024),
  CONSUMER_PARTITION_CONCURRENCY: intInRange(1, 64, 6),
  CONSUMER_DB_POOL_SIZE: intInRange(2, 200, 16),
  CONSUMER_FETCH_MIN_BYTES: intInRange(1, 16 * 1024 * 1024, 256 * 1024),
  CONSUMER_FETCH_MAX_WAIT_MS: intInRange(10, 10_000, 250),
  ...groupPrefixEnvSchema.shape,
  DEMO_TOPIC_PARTITIONS: intInRange(1, 256, 6),
});
export type ConsumersEnv = z.infer<typeof consumersEnvSchema>;
