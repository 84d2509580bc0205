// Maintenance: deletes expired consumer_attempts and idempotency_keys in batches, every
// MAINTENANCE_INTERVAL_SECONDS. Any number may run; one prunes at a time (advisory lock).
// SIGTERM/SIGINT: finish the current batch, then exit 0.
//   npx tsx workers/maintenance/index.ts
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { pruneExpiredRows } from '../../lib/app/prune-expired-rows';
import { maintenanceEnvSchema } from '../../lib/config/maintenance-env';
import { loadEnvOrExit } from '../../lib/config/parse-env';
import { onShutdown } from '../../lib/adapters/process/on-shutdown';

const env = loadEnvOrExit(maintenanceEnvSchema, 'maintenance');
const quiet = env.LOG_LEVEL === 'warn' || env.LOG_LEVEL === 'error';
const info = (line: string) => !quiet && console.log(line);
const warn = (line: string) => env.LOG_LEVEL !== 'error' && console.warn(line);

// One connection holds the lock and runs the batches; one spare for a reconnect. A batch
// must never queue behind DDL for long (everything else would queue behind it).
const pool = new pg.Pool({
  connectionString: env.DATABASE_URL,
  max: 2,
  application_name: 'signalbox-maintenance',
  lock_timeout: 5_000,
  statement_timeout: 120_000,
});
pool.on('error', (error) => warn(`maintenance: idle database connection failed: ${error.message}`));

const policy = { consumer_attempts: env.MAINTENANCE_ATTEMPTS_RETENTION_DAYS, idempotency_keys: env.MAINTENANCE_IDEMPOTENCY_RETENTION_DAYS };
const stop = new AbortController();

async function pass(): Promise<void> {
  try {
    const report = await pruneExpiredRows({
      pool,
      now: () => new Date(),
      policy,
      batchSize: env.MAINTENANCE_BATCH_SIZE,
      pauseMs: env.MAINTENANCE_BATCH_PAUSE_MS,
      signal: stop.signal,
    });
    if (!report.ran) {
      info('maintenance: another process holds the pruner lock; skipped this pass');
      return;
    }
    for (const t of report.tables) {
      if (t.deleted > 0) info(`maintenance: deleted ${t.deleted} ${t.table} rows older than ${t.cutoff.toISOString()} in ${t.batches} batches`);
    }
  } catch (error) {
    // A database outage fails the pass; the pool reconnects and the next pass tries again.
    warn(`maintenance: pruning failed, retrying in ${env.MAINTENANCE_INTERVAL_SECONDS} s: ${(error as Error).message}`);
  }
}

async function loop(): Promise<void> {
  while (!stop.signal.aborted) {
    await pass();
    // Rejects (ignored) when shutdown aborts the wait.
    await sleep(env.MAINTENANCE_INTERVAL_SECONDS * 1000, undefined, { signal: stop.signal }).catch(() => {});
  }
}

info(
  `maintenance: started (keep attempts ${policy.consumer_attempts} d, idempotency keys ${policy.idempotency_keys} d; ` +
    `batch ${env.MAINTENANCE_BATCH_SIZE}, every ${env.MAINTENANCE_INTERVAL_SECONDS} s)`,
);
const running = loop();

onShutdown('maintenance', async (signal) => {
  info(`maintenance: ${signal}, finishing the current batch`);
  stop.abort();
  await running;
  await pool.end();
  info('maintenance: stopped');
});
