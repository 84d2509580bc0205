// One trace spans the flow: the command's span, the outbox write, the relay's
// publish (context carried in the Kafka traceparent header) and the consumer's
// handling, all in the same trace, each the child of the step before.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { createOutboxWriter } from '@/lib/adapters/outbox/outbox-writer';
import { createRelay } from '@/lib/adapters/outbox/relay';
import { startConsumer, type RunningConsumer } from '@/lib/adapters/kafka/consumer-runtime';
import { inSpan, startTracing } from '@/lib/adapters/otel/tracing';
import { createOrderEventRegistry } from '@/lib/demo/orders/events';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTestTopic, testKafka, uniqueName, type TestTopic } from '../support/kafka';
import { orderHistory, pipelineConsumers } from '../support/pipeline';
import { waitFor } from '../support/wait-for';

const exporter = new InMemorySpanExporter();
const tracing = startTracing({ serviceName: 'test', spanProcessors: [new SimpleSpanProcessor(exporter)] });
let database: TestDatabase;
let db: Db;
let pool: pg.Pool;
let topic: TestTopic;
let consumer: RunningConsumer;

beforeAll(async () => {
  database = await createTestDatabase('tracing');
  db = createDb(database.url, { poolSize: 3 });
  pool = new pg.Pool({ connectionString: database.url, max: 2 });
  topic = await createTestTopic(3, 'tracing');
});

afterAll(async () => {
  await consumer?.stop();
  await topic?.cleanup();
  await db?.$disconnect();
  await pool?.end();
  await database?.drop();
  await tracing.shutdown();
});

describe('tracing', () => {
  it('links command, outbox write, publish and consumer handling in one trace', async () => {
    const writer = createOutboxWriter({ source: '/test', topicFor: () => topic.topic });
    const [placed] = orderHistory(7);
    const envelopes = await inSpan('POST /orders', {}, () => db.$transaction((tx) => writer.append(tx, [placed!])));
    const event = envelopes[0]!;

    const relay = createRelay({ pool, kafka: testKafka(), logger: { info() {}, warn() {}, error() {} } });
    expect(await relay.drainOnce()).toBe(1);
    await relay.stop();
    const effects = pipelineConsumers(topic.topic)[0]!;
    consumer = await startConsumer(effects, { db, registry: createOrderEventRegistry(), outbox: writer }, { kafka: testKafka(), groupPrefix: uniqueName('tracing') });
    await waitFor('the event to be handled', async () => (await db.notification.count({ where: { eventId: event.id } })) === 1);

    const spans = await waitFor('the consumer span', async () => {
      const all = exporter.getFinishedSpans();
      return all.some((s) => s.name.startsWith('effects process')) ? all : null;
    });
    const byName = (prefix: string) => spans.find((s) => s.name.startsWith(prefix));
    const command = byName('POST /orders')!;
    const write = byName('outbox.write')!;
    const publish = spans.find((s) => s.attributes['messaging.message.id'] === event.id && s !== byName('effects process'))!;
    const processed = byName('effects process')!;
    for (const span of [command, write, publish, processed]) expect(span, 'a span is missing').toBeDefined();

    const traceId = command.spanContext().traceId;
    expect(event.trace_id).toBe(traceId);
    for (const span of [write, publish, processed]) expect(span.spanContext().traceId).toBe(traceId);
    const parentOf = (s: typeof command) => (s as unknown as { parentSpanContext?: { spanId: string } }).parentSpanContext?.spanId;
    expect(parentOf(write)).toBe(command.spanContext().spanId);
    expect(parentOf(publish)).toBe(write.spanContext().spanId);
    expect(parentOf(processed)).toBe(publish.spanContext().spanId);
  });
});
