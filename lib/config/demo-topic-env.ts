// The demo system's topic namespace. Every process of one demo system (orders API,
// traffic, relay, consumers, jobs, console) must name the same topics; test runs that
// share a broker with a running `npm run demo` give theirs a prefix of their own, so the
// demo's consumers never see the tests' orders (and dead-letter them as "Order not
// found") and the tests never see the demo's.
import { z } from 'zod';

const PREFIX = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/;

export const demoTopicEnvSchema = z.object({
  DEMO_TOPIC_PREFIX: z
    .string()
    .regex(PREFIX, 'letters, digits, dot, dash, underscore; at most 64; not starting with a dot')
    .optional()
    .or(z.literal('').transform(() => undefined)),
});

/**
 * `<prefix>.` from DEMO_TOPIC_PREFIX, or '' when it is unset or empty. Read where the
 * demo's topic constants are defined (lib/demo/orders/events.ts), at load. A value the
 * schema refuses counts as unset here and is never used: every process's configuration
 * (baseEnvSchema) refuses it at start, naming the variable, before a topic is touched.
 */
export function demoTopicNamespace(env: Record<string, string | undefined>): string {
  const value = env.DEMO_TOPIC_PREFIX;
  return value !== undefined && PREFIX.test(value) ? `${value}.` : '';
}
