// Lag sampler: every SAMPLER_INTERVAL_SECONDS, samples consumer lag (messages, seconds,
// health) and outbox figures into PostgreSQL. Run as many as you like: one is active
// (advisory lock), the others stand by and heartbeat. SIGTERM/SIGINT: finish the tick, exit 0.
//   npx tsx workers/lag-sampler/index.ts
import { hostname } from 'node:os';
import pg from 'pg';
import { createKafka } from '../../lib/adapters/kafka/kafka-client';
import { onShutdown } from '../../lib/adapters/process/on-shutdown';
import { startSampleLoop } from '../../lib/app/sample-loop';
import { loadEnvOrExit } from '../../lib/config/parse-env';
import { samplerEnvSchema } from '../../lib/config/sampler-env';

const env = loadEnvOrExit(samplerEnvSchema, 'lag-sampler');
const quiet = env.LOG_LEVEL === 'warn' || env.LOG_LEVEL === 'error';
const logger = {
  info: (line: string) => !quiet && console.log(line),
  warn: (line: string) => env.LOG_LEVEL !== 'error' && console.warn(line),
};

// One connection holds the sampler lock, the others write samples.
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 4, application_name: 'signalbox-lag-sampler' });
pool.on('error', (error) => logger.warn(`lag sampler: idle database connection failed: ${error.message}`));
// Few kafkajs retries: a dead broker should turn into ERR rows within a tick, not 20 s later.
const kafka = createKafka({ brokers: env.KAFKA_BROKERS, clientId: `${env.KAFKA_CLIENT_ID}-lag-sampler`, logLevel: env.LOG_LEVEL, retry: { initialRetryTime: 300, retries: 2, maxRetryTime: 2_000 } });
const admin = kafka.admin();
await admin.connect().catch((e: unknown) => logger.warn(`lag sampler: Kafka not reachable yet (${String(e)}); will keep trying`));

const instance = `${hostname()}:${process.pid}`;
const loop = startSampleLoop({
  pool,
  kafka,
  admin,
  instance,
  groupPrefix: env.SAMPLER_GROUPS === 'all' ? null : env.KAFKA_GROUP_PREFIX,
  intervalMs: env.SAMPLER_INTERVAL_SECONDS * 1000,
  windowMs: env.SAMPLER_WINDOW_SECONDS * 1000,
  rawRetentionMs: env.SAMPLER_RAW_RETENTION_HOURS * 3_600_000,
  rollupRetentionMs: env.SAMPLER_ROLLUP_RETENTION_DAYS * 86_400_000,
  concurrency: env.SAMPLER_ADMIN_CONCURRENCY,
  logger,
});
logger.info(`lag sampler ${instance}: started (every ${env.SAMPLER_INTERVAL_SECONDS} s, window ${env.SAMPLER_WINDOW_SECONDS} s, groups ${env.SAMPLER_GROUPS === 'all' ? 'all' : `${env.KAFKA_GROUP_PREFIX}.*`})`);

onShutdown('lag sampler', async (signal) => {
  logger.info(`lag sampler ${instance}: ${signal}, finishing the current tick`);
  await loop.stop();
  await admin.disconnect().catch(() => {});
  await pool.end();
  logger.info(`lag sampler ${instance}: stopped`);
});
