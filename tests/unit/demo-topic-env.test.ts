import { describe, expect, it } from 'vitest';
import { demoTopicNamespace } from '@/lib/config/demo-topic-env';
import { jobsEnvSchema } from '@/lib/config/jobs-env';
import { ordersCliEnvSchema } from '@/lib/config/orders-api-env';
import { parseEnv } from '@/lib/config/parse-env';
import { baseEnvSchema } from '@/lib/config/schemas';
import { ordersTopicFor } from '@/lib/demo/orders/events';
import { demoTopics } from '@/lib/demo/topics';
import { configErrorMessage } from '../support/config-error';

describe('DEMO_TOPIC_PREFIX', () => {
  it('unset or empty: the demo topics as they are', () => {
    expect(demoTopicNamespace({})).toBe('');
    expect(demoTopicNamespace({ DEMO_TOPIC_PREFIX: '' })).toBe('');
    expect(ordersTopicFor(demoTopicNamespace({}))).toBe('orders.lifecycle.v1');
    expect(parseEnv(baseEnvSchema, { DEMO_TOPIC_PREFIX: '' }, 't').DEMO_TOPIC_PREFIX).toBeUndefined();
  });

  it('set: every demo topic starts with `<prefix>.`', () => {
    expect(ordersTopicFor(demoTopicNamespace({ DEMO_TOPIC_PREFIX: 'signalbox-tests' }))).toBe('signalbox-tests.orders.lifecycle.v1');
    expect(demoTopics(3, ordersTopicFor('team_a.'))).toEqual([expect.objectContaining({ topic: 'team_a.orders.lifecycle.v1', partitions: 3 })]);
    expect(parseEnv(baseEnvSchema, { DEMO_TOPIC_PREFIX: 'staging.eu-1' }, 't').DEMO_TOPIC_PREFIX).toBe('staging.eu-1');
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
    for (const [name, schema] of [['base', baseEnvSchema], ['jobs', jobsEnvSchema], ['orders-cli', ordersCliEnvSchema]] as const) {
      expect(configErrorMessage(() => parseEnv(schema, { DEMO_TOPIC_PREFIX: value }, name)), name).toContain('DEMO_TOPIC_PREFIX');
    }
    expect(demoTopicNamespace({ DEMO_TOPIC_PREFIX: value })).toBe('');
  });
});
