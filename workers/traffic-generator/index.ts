// Demo traffic: places orders through the command side at the live knob rate and
// mixes in poison messages from a foreign producer.
//   npx tsx workers/traffic-generator/index.ts     (change the rate: orders-cli knobs set --rate 10)
import { v7 as uuidv7 } from 'uuid';
import { createDb } from '../../lib/adapters/prisma/client';
import { backOffWhileUnavailable } from '../../lib/adapters/prisma/connection-errors';
import { createKafka } from '../../lib/adapters/kafka/kafka-client';
import { startTracing } from '../../lib/adapters/otel/tracing';
import { loadEnvOrExit } from '../../lib/config/parse-env';
import { trafficEnvSchema } from '../../lib/config/traffic-env';
import { createKnobCache } from '../../lib/demo/knobs';
import { executeOrderCommand, executePlaceOrders } from '../../lib/demo/orders/commands';
import { microBatch } from '../../lib/domain/micro-batch';
import { createOrderOutboxWriter } from '../../lib/demo/orders/outbox';
import { createPoisonProducer } from '../../lib/demo/poison-producer';
import { createTrafficGenerator, type GeneratedOrder } from '../../lib/demo/traffic';
import { onShutdown } from '../../lib/adapters/process/on-shutdown';

const env = loadEnvOrExit(trafficEnvSchema, 'traffic-generator');
const tracing = startTracing({ serviceName: 'demo-traffic-generator', otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT });
const db = createDb(env.DATABASE_URL, { poolSize: Math.min(env.TRAFFIC_MAX_IN_FLIGHT, 20), applicationName: 'signalbox-traffic' });
const log = (line: string) => console.log(line);
const knobs = createKnobCache(db, env.TRAFFIC_KNOB_REFRESH_MS, { onError: (e) => log(`traffic: reading knobs failed: ${(e as Error).message}`) });
const poison = createPoisonProducer(createKafka({ brokers: env.KAFKA_BROKERS, clientId: env.TRAFFIC_POISON_CLIENT_ID, logLevel: env.LOG_LEVEL }));
const commandDeps = { db, outbox: createOrderOutboxWriter(), now: () => new Date(), newId: () => uuidv7() };

// The orders of a moment share one transaction (the generator is a load tool; the orders API places one per request).
const placeOne = env.TRAFFIC_BATCH_LINGER_MS > 0
  ? microBatch((orders: GeneratedOrder[]) => executePlaceOrders(commandDeps, orders), { maxBatch: env.TRAFFIC_MAX_IN_FLIGHT, lingerMs: env.TRAFFIC_BATCH_LINGER_MS })
  : (order: GeneratedOrder) => executeOrderCommand(commandDeps, order);

const generator = createTrafficGenerator({
  knobs: knobs.get,
  // While the database is down, orders fail fast instead of each trying to connect.
  placeOrder: backOffWhileUnavailable(placeOne),
  producePoison: (message) => poison.send(message),
  newId: () => uuidv7(),
  maxInFlight: env.TRAFFIC_MAX_IN_FLIGHT,
  log,
});

const stop = new AbortController();
await knobs.start();
knobs.onChange((k) => log(`traffic: knobs now rate=${k.ratePerSecond}/s poison=${k.poisonShare}`));
log(`traffic: started, rate=${knobs.get().ratePerSecond}/s poison=${knobs.get().poisonShare}`);
const report = setInterval(() => {
  const s = generator.stats();
  log(`traffic: placed=${s.placed} poison=${s.poisoned} poison-skipped=${s.poisonSkipped} failed=${s.failed} in-flight=${generator.inFlight()}`);
}, 10_000);
report.unref();
const running = generator.run(stop.signal);

async function shutdown(signal: string): Promise<void> {
  log(`traffic: ${signal}, finishing the work in flight`);
  stop.abort();
  const timedOut = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), env.TRAFFIC_SHUTDOWN_TIMEOUT_MS).unref());
  const result = await Promise.race([running, timedOut]);
  if (result === 'timeout') log('traffic: gave up waiting for work in flight');
  else log(`traffic: stopped; placed=${result.placed} poison=${result.poisoned} poison-skipped=${result.poisonSkipped} failed=${result.failed}`);
  clearInterval(report);
  knobs.stop();
  await poison.close();
  await db.$disconnect();
  await tracing.shutdown().catch(() => {});
}

onShutdown('traffic', shutdown);
