import { describe, expect, it } from 'vitest';
import { topicNamespace } from '@/lib/config/topic-prefix-env';
import { dlqEnvSchema } from '@/lib/config/dlq-env';
import { jobsEnvSchema } from '@/lib/config/jobs-env';
import { ordersCliEnvSchema } from '@/lib/config/orders-api-env';
import { parseEnv } from '@/lib/config/parse-env';
import { baseEnvSchema } from '@/lib/config/schemas';
import { replayTopicFor, replayTopicOf } from '@/lib/backbone/consumer-definition';
import { isReplayTopic } from '@/lib/backbone/consumer-definition';
import { ordersTopicFor } from '@/lib/demo/orders/events';
import { demoTopics } from '@/lib/demo/topics';
import { configErrorMessage } from '../support/config-error';

describe('KAFKA_TOPIC_PREFIX', () => {
  it('unset or empty: the demo topics as they are', () => {
    expect(topicNamespace({})).toBe('');
    expect(topicNamespace({ KAFKA_TOPIC_PREFIX: '' })).toBe('');
    expect(ordersTopicFor(topicNamespace({}))).toBe('orders.lifecycle.v1');
    expect(parseEnv(baseEnvSchema, { KAFKA_TOPIC_PREFIX: '' }, 't').KAFKA_TOPIC_PREFIX).toBeUndefined();
  });

  it('unset: the replay topics as they are, and the lag view knows them as replay topics', () => {
    // The unit layer runs without the tests' prefix (the int and e2e layers set it).
    expect(replayTopicOf('shipping')).toBe('signalbox.replay.shipping.v1');
    expect(isReplayTopic('signalbox.replay.shipping.v1')).toBe(true);
    expect(isReplayTopic('signalbox-tests.signalbox.replay.shipping.v1')).toBe(false);
  });

  it('set: every replay topic starts with `<prefix>.` too', () => {
    expect(replayTopicFor(topicNamespace({ KAFKA_TOPIC_PREFIX: 'signalbox-tests' }), 'shipping')).toBe('signalbox-tests.signalbox.replay.shipping.v1');
  });

  it('set: every demo topic starts with `<prefix>.`', () => {
    expect(ordersTopicFor(topicNamespace({ KAFKA_TOPIC_PREFIX: 'signalbox-tests' }))).toBe('signalbox-tests.orders.lifecycle.v1');
    expect(demoTopics(3, ordersTopicFor('team_a.'))).toEqual([expect.objectContaining({ topic: 'team_a.orders.lifecycle.v1', partitions: 3 })]);
    expect(parseEnv(baseEnvSchema, { KAFKA_TOPIC_PREFIX: 'staging.eu-1' }, 't').KAFKA_TOPIC_PREFIX).toBe('staging.eu-1');
  });

  it.each([
    ['a space', 'a b'],
    ['a slash', 'x/y'],
    ['a leading dot', '.hidden'],
    ['65 characters', 'p'.repeat(65)],
    ['a shell metacharacter', 'x;rm'],
    ['a newline', 'x\ny'],
    ['non-ASCII', 'tëst'],
  ])('%s: refused at start, naming the variable, and never used as a topic', (_label, value) => {
    for (const [name, schema] of [['base', baseEnvSchema], ['jobs', jobsEnvSchema], ['orders-cli', ordersCliEnvSchema], ['dlq', dlqEnvSchema]] as const) {
      expect(configErrorMessage(() => parseEnv(schema, { KAFKA_TOPIC_PREFIX: value }, name)), name).toContain('KAFKA_TOPIC_PREFIX');
    }
    expect(topicNamespace({ KAFKA_TOPIC_PREFIX: value })).toBe('');
  });
});
