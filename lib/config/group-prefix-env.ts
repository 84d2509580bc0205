// The consumer group id prefix, shared by every process that names or reads groups:
// the demo consumers build `<prefix>.<consumer>` from it, the lag sampler and the
// console list the groups that start with it. One definition, so they cannot disagree.
import { z } from 'zod';

export const DEFAULT_GROUP_PREFIX = 'signalbox';

export const groupPrefixEnvSchema = z.object({
  KAFKA_GROUP_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, dot, dash, underscore')
    .default(DEFAULT_GROUP_PREFIX),
});
export type GroupPrefixEnv = z.infer<typeof groupPrefixEnvSchema>;
