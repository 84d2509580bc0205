// Outbox relay: publishes committed outbox rows to Kafka, in order per subject.
// Several may run at once (lanes). SIGTERM/SIGINT: finish the batch, then exit 0.
//   npx tsx workers/outbox-relay/index.ts
import { hostname } from 'node:os';
import pg from 'pg';
import { beat } from '../../lib/adapters/prisma/samples-store';
import { createKafka } from '../../lib/adapters/kafka/kafka-client';
import { startTracing } from '../../lib/adapters/otel/tracing';
import { createRelay } from '../../lib/adapters/outbox/relay';
import { loadEnvOrExit } from '../../lib/config/parse-env';
import { relayEnvSchema } from '../../lib/config/relay-env';
import { onShutdown } from '../../lib/adapters/process/on-shutdown';

const RELAY_KIND = 'outbox-relay';

const env = loadEnvOrExit(relayEnvSchema, 'outbox-relay');
const tracing = startTracing({ serviceName: 'outbox-relay', otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT });
const quiet = env.LOG_LEVEL === 'warn' || env.LOG_LEVEL === 'error';
// The last warning or error rides on the heartbeat, so the console can say why.
let lastProblem: { at: string; line: string } | null = null;
const logger = {
  info: (line: string) => !quiet && console.log(line),
  warn: (line: string) => {
    lastProblem = { at: new Date().toISOString(), line };
    if (env.LOG_LEVEL !== 'error') console.warn(line);
  },
  error: (line: string) => {
    lastProblem = { at: new Date().toISOString(), line };
    console.error(line);
  },
};

// One connection claiming and publishing a batch, one marking and committing the batch
// before it, one held by LISTEN, one spare for a reconnect.
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 4, application_name: 'signalbox-outbox-relay' });
pool.on('error', (error) => logger.warn(`outbox relay: idle database connection failed: ${error.message}`));
// Every connection keeps an 'error' listener for its whole life, checked out or idle: a
// connection lost at any moment (PostgreSQL restarted, backend killed) then fails the
// query or batch using it, which the relay retries, and never becomes an uncaught exception.
pool.on('connect', (client) => client.on('error', () => {}));
// One kafkajs connect retry (under a second against a dead broker, instead of the
// default ~20 s with every retry logged by kafkajs): the relay's own backoff takes over
// from there, with one log line when failing starts and one when it stops.
const kafka = createKafka({
  brokers: env.KAFKA_BROKERS,
  clientId: env.KAFKA_CLIENT_ID,
  logLevel: env.LOG_LEVEL,
  retry: { initialRetryTime: 300, retries: 1, maxRetryTime: 1_000 },
});

const relay = createRelay({
  pool,
  kafka,
  batchSize: env.RELAY_BATCH_SIZE,
  pollMs: env.RELAY_POLL_MS,
  lingerMs: env.RELAY_LINGER_MS,
  maxBackoffMs: env.RELAY_MAX_BACKOFF_MS,
  lanesPerClaim: env.RELAY_LANES_PER_CLAIM,
  logger,
});
relay.start();

// Heartbeat (process_heartbeats, kind outbox-relay): lets the console tell "relay down"
// (no fresh beat) from "relay idle" (beating, nothing to publish).
const HEARTBEAT_MS = 5_000;
const instance = `${hostname()}:${process.pid}`;
const heartbeat = setInterval(() => {
  const details = { intervalMs: HEARTBEAT_MS, lastError: lastProblem?.line ?? null, lastErrorAt: lastProblem?.at ?? null };
  void beat(pool, RELAY_KIND, instance, details).catch(() => {});
}, HEARTBEAT_MS);
void beat(pool, RELAY_KIND, instance, { intervalMs: HEARTBEAT_MS, lastError: null }).catch(() => {});
logger.info(
  `outbox relay: started (batch ${env.RELAY_BATCH_SIZE}, poll ${env.RELAY_POLL_MS} ms, linger ${env.RELAY_LINGER_MS} ms, lanes per claim ${env.RELAY_LANES_PER_CLAIM}, brokers ${env.KAFKA_BROKERS.join(',')})`,
);

async function shutdown(signal: string): Promise<void> {
  logger.info(`outbox relay: ${signal}, finishing the current batch`);
  clearInterval(heartbeat);
  await relay.stop();
  await pool.end();
  await tracing.shutdown().catch(() => {});
  logger.info('outbox relay: stopped');
}

onShutdown('outbox relay', shutdown);
