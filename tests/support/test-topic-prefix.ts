// The tests' own topic namespace (KAFKA_TOPIC_PREFIX, lib/config/topic-prefix-env.ts): the
// int and e2e layers set it for their processes (vitest.config.ts, playwright.config.ts) and
// for every worker and console they start, so the orders and replay topics they use on the
// shared broker are `signalbox-tests.…`, never those of a `npm run demo` on the same broker
// (whose consumers would dead-letter the tests' orders as "Order not found").
export const TEST_TOPIC_PREFIX = 'signalbox-tests';
