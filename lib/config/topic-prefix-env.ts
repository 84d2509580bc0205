// The namespace of the topics a Signalbox system owns: the demo's orders topic and every
// consumer's replay topic. Every process of one system (orders API, traffic, relay,
// consumers, jobs, lag sampler, console) must name the same topics; test runs that share
// a broker with a running `npm run demo` use a prefix of their own, so the demo's
// consumers never see the tests' orders or replays (and dead-letter them as "Order not
// found"), and the tests never see the demo's.
import { z } from 'zod';

const PREFIX = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/;

export const topicPrefixEnvSchema = z.object({
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(PREFIX, 'letters, digits, dot, dash, underscore; at most 64; not starting with a dot')
    .optional()
    .or(z.literal('').transform(() => undefined)),
});

/**
 * `<prefix>.` from KAFKA_TOPIC_PREFIX, or '' when it is unset or empty. Read once, at load,
 * where topic names are made (lib/demo/orders/events.ts, lib/backbone/consumer-definition.ts).
 * A value the schema refuses counts as unset here and is never used: every process's
 * configuration refuses it at start, naming the variable, before a topic is touched.
 */
export function topicNamespace(env: Record<string, string | undefined>): string {
  const value = env.KAFKA_TOPIC_PREFIX;
  return value !== undefined && PREFIX.test(value) ? `${value}.` : '';
}
