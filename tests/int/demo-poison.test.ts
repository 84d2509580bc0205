// The poison producer against the real broker: every kind arrives without
// headers and fails decoding with its own classified error. Own topic and
// consumer group, deleted afterwards. (Raw bytes are read here rather than with
// readAll, which decodes values as UTF-8 and would mask the non-UTF-8 kind.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { decodeMessage } from '@/lib/domain/events/decode';
import { newTraceContext } from '@/lib/domain/events/trace-context';
import { createOrderEventRegistry } from '@/lib/demo/orders/events';
import { POISON_KINDS, buildPoison } from '@/lib/demo/poison';
import { createPoisonProducer } from '@/lib/demo/poison-producer';
import { createTestTopic, testKafka, uniqueName, type TestTopic } from '../support/kafka';

let topic: TestTopic;

beforeAll(async () => {
  topic = await createTestTopic(1, 'demo-poison');
});

afterAll(async () => {
  await topic?.cleanup();
});

async function readRaw(name: string, expected: number): Promise<Array<{ headers: object; value: Buffer | null }>> {
  const kafka = testKafka();
  const groupId = uniqueName('demo-poison-reader');
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  const received: Array<{ headers: object; value: Buffer | null }> = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: name, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${received.length} of ${expected} messages arrived`)), 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          received.push({ headers: message.headers ?? {}, value: message.value });
          if (received.length === expected) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect().catch(() => {});
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups([groupId]).catch(() => {});
    await admin.disconnect();
  }
  return received;
}

describe('poison producer', () => {
  it('puts each kind on the topic, headerless, and each fails decoding as intended', async () => {
    const producer = createPoisonProducer(testKafka(uniqueName('legacy-checkout')), topic.topic);
    for (const kind of POISON_KINDS) await producer.send(buildPoison(kind, { newId: () => uuidv7(), now: () => new Date() }));
    await producer.close();

    const received = await readRaw(topic.topic, POISON_KINDS.length);
    const registry = createOrderEventRegistry();
    const codes = received.map((m) => {
      expect(m.headers).toEqual({});
      const result = decodeMessage(registry, { value: m.value, headers: {} }, { newTrace: () => newTraceContext((n) => randomBytes(n).toString('hex')) });
      return result.ok ? 'ok' : result.error.code;
    });
    expect(codes).toEqual(['undecodable', 'undecodable', 'unknown_type', 'unsupported_version', 'schema_invalid']);
  });
});
