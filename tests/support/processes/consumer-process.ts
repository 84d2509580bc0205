// A consumer process for fault tests (so SIGKILL hits real consumer groups):
// runs pipelineConsumers on TEST_TOPIC with TEST_GROUP_PREFIX against DATABASE_URL,
// its connections named TEST_APPLICATION_NAME (default signalbox-test-consumers).
import { createDb } from '@/lib/adapters/prisma/client';
import { createKafka } from '@/lib/adapters/kafka/kafka-client';
import { startConsumer, type RunningConsumer } from '@/lib/adapters/kafka/consumer-runtime';
import { createOutboxWriter } from '@/lib/adapters/outbox/outbox-writer';
import { createOrderEventRegistry } from '@/lib/demo/orders/events';
import { pipelineConsumers } from '../pipeline';

const { DATABASE_URL, TEST_TOPIC, TEST_GROUP_PREFIX, KAFKA_BROKERS, HANDLER_DELAY_MS, TEST_APPLICATION_NAME } = process.env;
if (!DATABASE_URL || !TEST_TOPIC || !TEST_GROUP_PREFIX) throw new Error('DATABASE_URL, TEST_TOPIC and TEST_GROUP_PREFIX are required');

// The application_name tells this process's connections apart in pg_stat_activity, so a
// test can see that a kill landed inside one of ITS transactions.
const db = createDb(DATABASE_URL, { poolSize: 6, applicationName: TEST_APPLICATION_NAME ?? 'signalbox-test-consumers' });
const kafka = createKafka({ brokers: (KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), clientId: TEST_GROUP_PREFIX, logLevel: 'error' });
const running: RunningConsumer[] = [];
for (const definition of pipelineConsumers(TEST_TOPIC, { handlerDelayMs: Number(HANDLER_DELAY_MS ?? 0) })) {
  running.push(
    // Small transactions (20 events): kafkajs commits offsets when a fetched batch is done,
    // so a kill after one chunk's commit but before the batch ends is the redelivery case.
    await startConsumer(definition, { db, registry: createOrderEventRegistry(), outbox: createOutboxWriter({ source: '/test', topicFor: () => TEST_TOPIC }), maxChunk: 20 }, {
      kafka,
      groupPrefix: TEST_GROUP_PREFIX,
      sessionTimeoutMs: 6_000, // the broker's minimum: a killed member is noticed fast
    }),
  );
}
console.log('consumers ready');
process.on('SIGTERM', async () => {
  await Promise.allSettled(running.map((c) => c.stop()));
  await db.$disconnect();
  process.exit(0);
});
