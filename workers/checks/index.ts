// Checker: every CHECKS_INTERVAL_SECONDS, evaluates every check (consumers, DLQ, outbox,
// relay, projections, Kafka, PostgreSQL, the sampler) and stores states, transitions,
// incidents and signed notifications (docs/runbooks-and-checks.md). Run as many as you
// like: one is active (advisory lock), the others stand by and heartbeat.
//   npx tsx workers/checks/index.ts
import { hostname } from 'node:os';
import pg from 'pg';
import { onShutdown } from '../../lib/adapters/process/on-shutdown';
import { loadRunbooks } from '../../lib/adapters/runbooks/runbook-files';
import { startCheckLoop } from '../../lib/app/check-loop';
import { checksEnvSchema, thresholdsOf } from '../../lib/config/checks-env';
import { loadEnvOrExit } from '../../lib/config/parse-env';
import { runbookIndex } from '../../lib/domain/checks/runbook';

const env = loadEnvOrExit(checksEnvSchema, 'checks');
const quiet = env.LOG_LEVEL === 'warn' || env.LOG_LEVEL === 'error';
const logger = {
  info: (line: string) => !quiet && console.log(line),
  warn: (line: string) => env.LOG_LEVEL !== 'error' && console.warn(line),
};

// A broken runbook file stops the checker at start: notifications must link to real runbooks.
const runbooks = runbookIndex(await loadRunbooks());

// One connection holds the checker lock, the others read and write.
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 4, application_name: 'signalbox-checks' });
pool.on('error', (error) => logger.warn(`checker: idle database connection failed: ${error.message}`));

const instance = `${hostname()}:${process.pid}`;
const loop = startCheckLoop({
  pool,
  instance,
  intervalMs: env.CHECKS_INTERVAL_SECONDS * 1000,
  thresholds: thresholdsOf(env),
  groupPrefix: env.KAFKA_GROUP_PREFIX,
  dlqWindowSeconds: env.CHECKS_DLQ_INFLOW_WINDOW_SECONDS,
  retentionMs: env.CHECKS_RETENTION_DAYS * 86_400_000,
  runbooks,
  consoleUrl: env.NEXTAUTH_URL,
  webhook:
    env.CHECKS_WEBHOOK_URL && env.CHECKS_WEBHOOK_SECRET
      ? { url: env.CHECKS_WEBHOOK_URL, secret: env.CHECKS_WEBHOOK_SECRET, maxAttempts: env.CHECKS_WEBHOOK_MAX_ATTEMPTS, timeoutMs: env.CHECKS_WEBHOOK_TIMEOUT_MS }
      : null,
  logger,
});
logger.info(`checker ${instance}: started (every ${env.CHECKS_INTERVAL_SECONDS} s, notifications ${env.CHECKS_WEBHOOK_URL ? `to ${new URL(env.CHECKS_WEBHOOK_URL).host}` : 'off'})`);

onShutdown('checker', async (signal) => {
  logger.info(`checker ${instance}: ${signal}, finishing the current tick`);
  await loop.stop();
  await pool.end();
  logger.info(`checker ${instance}: stopped`);
});
