// Composition root of the demo's consumers and projections: parse env, build
// clients, start each consumer group, wire the fault knobs (slow, failing,
// stopped consumer), shut down cleanly on SIGTERM/SIGINT.
import { loadEnvOrExit } from '../../lib/config/parse-env';
import { consumersEnvSchema } from '../../lib/config/consumers-env';
import { createDb } from '../../lib/adapters/prisma/client';
import { createKafka, ensureTopics } from '../../lib/adapters/kafka/kafka-client';
import { startConsumer, type RunningConsumer } from '../../lib/adapters/kafka/consumer-runtime';
import { createOutboxWriter } from '../../lib/adapters/outbox/outbox-writer';
import { startTracing } from '../../lib/adapters/otel/tracing';
import { createOrderEventRegistry, ORDERS_SOURCE, ORDERS_TOPIC } from '../../lib/demo/orders/events';
import { createFaultInjector, demoConsumers } from '../../lib/demo/consumers';
import { registeredDemoProjections } from '../../lib/demo/projections';
import { sqlProjectionVersions } from '../../lib/adapters/prisma/projection-registry';
import { createKnobCache } from '../../lib/demo/knobs';
import { demoTopics } from '../../lib/demo/topics';
import { onShutdown } from '../../lib/adapters/process/on-shutdown';

const env = loadEnvOrExit(consumersEnvSchema, 'demo-consumers');
const tracing = startTracing({ serviceName: 'signalbox-demo-consumers', otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT });
const db = createDb(env.DATABASE_URL, { poolSize: env.CONSUMER_DB_POOL_SIZE, applicationName: 'signalbox-consumers' });
const kafka = createKafka({ brokers: env.KAFKA_BROKERS, clientId: `${env.KAFKA_CLIENT_ID}-consumers`, logLevel: env.LOG_LEVEL });
const knobs = createKnobCache(db, 1000, { onError: (e) => console.error(`knobs: ${(e as Error).message}`) });
const running = new Map<string, RunningConsumer>();

async function main() {
  await knobs.start();
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, demoTopics(env.DEMO_TOPIC_PARTITIONS));
  await admin.disconnect();

  const faults = createFaultInjector({ knobs: knobs.get });
  const definitions = [...demoConsumers({ faults }), ...registeredDemoProjections(sqlProjectionVersions)].filter((d) => env.CONSUMERS.includes(d.name as never));
  const deps = {
    db,
    registry: createOrderEventRegistry(),
    outbox: createOutboxWriter({ source: ORDERS_SOURCE, topicFor: () => ORDERS_TOPIC }),
    maxMessageBytes: env.CONSUMER_MAX_MESSAGE_BYTES,
    log: (line: string) => console.log(line),
  };
  const startOne = async (definition: (typeof definitions)[number]) => {
    const consumer = await startConsumer(definition, deps, {
      kafka,
      groupPrefix: env.KAFKA_GROUP_PREFIX,
      partitionsConsumedConcurrently: env.CONSUMER_PARTITION_CONCURRENCY,
      fetchMinBytes: env.CONSUMER_FETCH_MIN_BYTES,
      fetchMaxWaitMs: env.CONSUMER_FETCH_MAX_WAIT_MS,
      log: (line: string) => console.warn(line),
    });
    running.set(definition.name, consumer);
    console.log(`consumer ${definition.name} started (group ${consumer.groupId})`);
  };

  // The stoppedConsumer knob really stops that consumer (it leaves its group, so
  // the console sees no members and growing lag) and starts it again when cleared.
  let applying = Promise.resolve();
  const applyStopped = (stopped: string | null) => {
    applying = applying.then(async () => {
      for (const definition of definitions) {
        const current = running.get(definition.name);
        if (definition.name === stopped && current) {
          running.delete(definition.name);
          await current.stop();
          console.log(`consumer ${definition.name} stopped by the stoppedConsumer knob`);
        } else if (definition.name !== stopped && !current && !stopping) {
          await startOne(definition);
        }
      }
      applyStalled(knobs.get().stalledConsumer);
    }).catch((e: unknown) => console.error(`knob stoppedConsumer: ${(e as Error).message}`));
  };
  // The stalledConsumer knob pauses fetching (kafkajs pause): the member stays in the
  // group and heartbeats, but reads and commits nothing, so its lag grows: STALL.
  const applyStalled = (stalled: string | null) => {
    for (const consumer of running.values()) {
      if (consumer.name === stalled && !consumer.isPaused()) {
        consumer.pause();
        console.log(`consumer ${consumer.name} stalled by the stalledConsumer knob (still in its group)`);
      } else if (consumer.name !== stalled && consumer.isPaused()) {
        consumer.resume();
        console.log(`consumer ${consumer.name} resumed`);
      }
    }
  };
  applyStopped(knobs.get().stoppedConsumer);
  await applying;
  knobs.onChange((next) => applyStopped(next.stoppedConsumer));
}

let stopping = false;
async function shutdown(signal: string) {
  stopping = true;
  console.log(`${signal}: stopping ${running.size} consumers…`);
  knobs.stop();
  await Promise.allSettled([...running.values()].map((c) => c.stop()));
  await tracing.shutdown().catch(() => undefined);
  await db.$disconnect();
}
onShutdown('demo-consumers', shutdown);

main().catch(async (error: unknown) => {
  console.error(`demo-consumers failed to start: ${error instanceof Error ? error.message : String(error)}`);
  await Promise.allSettled([...running.values()].map((c) => c.stop()));
  process.exit(1);
});
