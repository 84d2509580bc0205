// Retention on real PostgreSQL: expired consumer_attempts and idempotency_keys are
// deleted in batches of the configured size through their time indexes, newer rows and
// the outbox and inbox are untouched, one pruner works at a time, and the maintenance
// worker does it as a process and stops cleanly.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PRUNER_LOCK, pruneBatchSql, pruneOlderThan, withPrunerLock } from '@/lib/adapters/prisma/retention';
import { pruneExpiredRows } from '@/lib/app/prune-expired-rows';
import { maintenanceEnvSchema } from '@/lib/config/maintenance-env';
import { parseEnv } from '@/lib/config/parse-env';
import { DEFAULT_RETENTION_DAYS, type PrunableTable } from '@/lib/domain/retention-policy';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { sqlCounter } from '../support/sql-count';
import { waitFor } from '../support/wait-for';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DAY = 86_400_000;
let database: TestDatabase;
let pool: pg.Pool;
let count: ReturnType<typeof sqlCounter>;
const children: ChildProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase('retention');
  pool = new pg.Pool({ connectionString: database.url, max: 6 });
  count = sqlCounter(pool);
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await pool?.end();
  await database?.drop();
});

beforeEach(async () => {
  await pool.query('TRUNCATE consumer_attempts, idempotency_keys, outbox_events, consumer_inbox');
});

/** `n` attempts at `newest`, `newest` - 1 ms, … (distinct times, so the boundary is exact). */
async function seedAttempts(n: number, newest: Date, consumer = 'c'): Promise<void> {
  await pool.query(
    `INSERT INTO consumer_attempts (consumer, topic, partition, "offset", attempt, outcome, duration_ms, at)
     SELECT $3, 'orders.lifecycle.v1', 0, g, 1, 'ok', 3, $1::timestamptz - make_interval(secs => (g - 1) / 1000.0)
     FROM generate_series(1, $2::int) g`,
    [newest, n, consumer],
  );
}

async function seedKeys(n: number, newest: Date, prefix: string): Promise<void> {
  await pool.query(
    `INSERT INTO idempotency_keys (key, command, request_hash, response, created_at)
     SELECT $3 || g, 'PlaceOrder', md5(g::text), '{"orderId":"x"}', $1::timestamptz - make_interval(secs => (g - 1) / 1000.0)
     FROM generate_series(1, $2::int) g`,
    [newest, n, prefix],
  );
}

/** Outbox and inbox rows far older than any cutoff: retention must never touch them. */
async function seedLog(n: number, at: Date): Promise<void> {
  await pool.query(
    `INSERT INTO outbox_events (event_id, type, version, source, subject, lane, trace_id, traceparent, topic, envelope, occurred_at, created_at, published_at)
     SELECT gen_random_uuid(), 'OrderPlaced', 1, '/test', 'order-' || g, g % 64, md5(g::text), '00-' || md5(g::text) || '-0000000000000001-01',
            'orders.lifecycle.v1', '{}', $1, $1, $1
     FROM generate_series(1, $2::int) g`,
    [at, n],
  );
  await pool.query(
    `INSERT INTO consumer_inbox (consumer, event_id, processed_at, topic, partition, "offset")
     SELECT 'payments', event_id, $1, topic, 0, position FROM outbox_events`,
    [at],
  );
}

async function logFingerprint(): Promise<string> {
  const { rows } = await pool.query<{ f: string }>(
    `SELECT (SELECT count(*) || ':' || md5(coalesce(string_agg(event_id::text, ',' ORDER BY position), '')) FROM outbox_events)
         || '/' || (SELECT count(*) || ':' || md5(coalesce(string_agg(event_id::text, ',' ORDER BY event_id), '')) FROM consumer_inbox) AS f`,
  );
  return rows[0]!.f;
}

const deps = (now: Date, batchSize: number, extra: Partial<Parameters<typeof pruneExpiredRows>[0]> = {}) => ({
  pool,
  now: () => now,
  policy: DEFAULT_RETENTION_DAYS,
  batchSize,
  pauseMs: 0,
  ...extra,
});

describe('retention', () => {
  it('deletes rows older than the cutoff in batches of the configured size, keeps newer rows, the outbox and the inbox', async () => {
    const now = new Date();
    const attemptsCutoff = new Date(now.getTime() - 7 * DAY);
    const keysCutoff = new Date(now.getTime() - 30 * DAY);
    await seedAttempts(1_050, new Date(attemptsCutoff.getTime() - 1), 'old'); // 1 ms before the cutoff and older
    await seedAttempts(40, attemptsCutoff, 'kept'); // one exactly at the cutoff (kept), 39 just before it (expired)
    await seedAttempts(25, new Date(now.getTime() - DAY), 'fresh');
    await seedKeys(7, new Date(keysCutoff.getTime() - 1), 'old-');
    await seedKeys(5, new Date(now.getTime() - 29 * DAY), 'fresh-');
    await seedLog(30, new Date(now.getTime() - 400 * DAY));
    const before = await logFingerprint();
    // What must be deleted, counted independently of the pruner's own SQL.
    const expiredAttempts = await count('SELECT count(*) FROM consumer_attempts WHERE at < $1', attemptsCutoff);
    expect(expiredAttempts).toBe(1_050 + 39);

    const report = await pruneExpiredRows(deps(now, 100));

    expect(report).toMatchObject({ ran: true });
    const tables = report.ran ? Object.fromEntries(report.tables.map((t) => [t.table, t])) : {};
    // 1,089 rows in batches of 100: ten full batches, then one of 89 ends the run.
    expect(tables.consumer_attempts).toMatchObject({ deleted: 1_089, batches: 11, cutoff: attemptsCutoff });
    expect(tables.idempotency_keys).toMatchObject({ deleted: 7, batches: 1, cutoff: keysCutoff });
    expect(await count('SELECT count(*) FROM consumer_attempts WHERE at < $1', attemptsCutoff)).toBe(0);
    expect(await count(`SELECT count(*) FROM consumer_attempts WHERE consumer = 'kept' AND at = $1`, attemptsCutoff)).toBe(1);
    expect(await count(`SELECT count(*) FROM consumer_attempts WHERE consumer = 'fresh'`)).toBe(25);
    expect(await count('SELECT count(*) FROM consumer_attempts')).toBe(26);
    expect(await count(`SELECT count(*) FROM idempotency_keys WHERE key LIKE 'old-%'`)).toBe(0);
    expect(await count(`SELECT count(*) FROM idempotency_keys WHERE key LIKE 'fresh-%'`)).toBe(5);
    expect(await logFingerprint()).toBe(before);
    expect(before).toMatch(/^30:.*\/30:/);
  });

  it('deletes no more than the batch size per statement', async () => {
    const cutoff = new Date();
    await seedAttempts(250, new Date(cutoff.getTime() - 1));
    const sizes: number[] = [];
    const result = await pruneOlderThan(pool, 'consumer_attempts', cutoff, 60, { onBatch: (_t, n) => sizes.push(n) });
    expect(sizes).toEqual([60, 60, 60, 60, 10]);
    expect(result).toEqual({ deleted: 250, batches: 5 });
    // Nothing left: the next run is one empty batch.
    expect(await pruneOlderThan(pool, 'consumer_attempts', cutoff, 60)).toEqual({ deleted: 0, batches: 1 });
  });

  it.each([
    ['consumer_attempts', 'consumer_attempts_at_idx'],
    ['idempotency_keys', 'idempotency_keys_created_at_idx'],
  ] as const)('finds a batch of %s through its time index (EXPLAIN)', async (table: PrunableTable, index) => {
    // Realistic shape: a large table, of which the oldest slice has expired.
    const now = new Date();
    if (table === 'consumer_attempts') await seedAttempts(50_000, now);
    else await seedKeys(50_000, now, 'k');
    await pool.query(`ANALYZE ${table}`);
    const { rows } = await pool.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${pruneBatchSql(table)}`, [new Date(now.getTime() - 40_000), 5_000]);
    const plan = JSON.stringify(rows[0]!['QUERY PLAN']);
    // The batch is found through the time index, and the delete looks its rows up directly
    // (primary key or tid): no step of the plan reads the whole table.
    expect(plan).toContain(`"Index Name":"${index}"`);
    expect(plan).toMatch(table === 'consumer_attempts' ? /"Index Name":"consumer_attempts_pkey"/ : /"Node Type":"Tid Scan"/);
    expect(plan).not.toContain('"Node Type":"Seq Scan"');
  });

  it('runs one pruner at a time: a second one sees the lock held and deletes nothing', async () => {
    const now = new Date();
    await seedAttempts(300, new Date(now.getTime() - 8 * DAY));
    // Another session holds the pruner's key, as a second maintenance process would.
    const holder = await pool.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [PRUNER_LOCK]);
      expect(await pruneExpiredRows(deps(now, 50))).toEqual({ ran: false, lockHeld: true });
      expect(await count('SELECT count(*) FROM consumer_attempts')).toBe(300);
    } finally {
      await holder.query('SELECT pg_advisory_unlock($1)', [PRUNER_LOCK]);
      holder.release();
    }

    // Two pruners started together: exactly one works (10 ms between 30 batches keeps it busy).
    const [a, b] = await Promise.all([pruneExpiredRows(deps(now, 10, { pauseMs: 10 })), pruneExpiredRows(deps(now, 10, { pauseMs: 10 }))]);
    const ran = [a, b].filter((r) => r.ran);
    expect(ran).toHaveLength(1);
    expect([a, b].filter((r) => !r.ran)).toEqual([{ ran: false, lockHeld: true }]);
    expect(ran[0]!.ran && ran[0]!.tables.find((t) => t.table === 'consumer_attempts')?.deleted).toBe(300);
    expect(await count('SELECT count(*) FROM consumer_attempts')).toBe(0);
    // The lock went with the pass: nobody holds it now.
    expect(await count(`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = $1`, PRUNER_LOCK)).toBe(0);
  });

  it('releases the lock when a pass fails', async () => {
    await expect(withPrunerLock(pool, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(withPrunerLock(pool, async (db) => (await db.query('SELECT 1 AS one')).rows[0])).resolves.toEqual({ acquired: true, result: { one: 1 } });
    expect(await count(`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = $1`, PRUNER_LOCK)).toBe(0);
  });

  it('survives losing its connection mid-pass: the pass fails, the lock is gone, the next pass finishes', async () => {
    const now = new Date();
    await seedAttempts(400, new Date(now.getTime() - 8 * DAY));
    // 40 batches with 50 ms pauses: the connection is killed while the pass is under way.
    const running = pruneExpiredRows(deps(now, 10, { pauseMs: 50 }));
    const holderPids = `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = $1`;
    await waitFor('the pruner to hold its lock', async () => (await count(`SELECT count(*) FROM (${holderPids}) h`, PRUNER_LOCK)) === 1, 10_000, 10);
    await waitFor('a few batches', async () => (await count('SELECT count(*) FROM consumer_attempts')) < 380, 10_000, 10);
    expect(await count(`SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM (${holderPids}) h) t`, PRUNER_LOCK)).toBe(1);
    await expect(running).rejects.toThrow();
    expect(await count('SELECT count(*) FROM consumer_attempts')).toBeGreaterThan(0);
    expect(await count(`SELECT count(*) FROM (${holderPids}) h`, PRUNER_LOCK)).toBe(0);
    expect(await pruneExpiredRows(deps(now, 1_000))).toMatchObject({ ran: true });
    expect(await count('SELECT count(*) FROM consumer_attempts')).toBe(0);
  });

  it('refuses boundary inputs: age 0 deletes nothing, batch 0 or a huge batch is refused', async () => {
    const now = new Date();
    await seedAttempts(20, new Date(now.getTime() - 2 * DAY));
    await expect(pruneExpiredRows(deps(now, 100, { policy: { consumer_attempts: 0, idempotency_keys: 30 } }))).rejects.toThrow(/consumer_attempts/);
    await expect(pruneOlderThan(pool, 'consumer_attempts', now, 0)).rejects.toThrow(RangeError);
    expect(await count('SELECT count(*) FROM consumer_attempts')).toBe(20);
    expect(() => parseEnv(maintenanceEnvSchema, { MAINTENANCE_BATCH_SIZE: '1000000' }, 'maintenance')).toThrow(/MAINTENANCE_BATCH_SIZE/);
    expect(() => parseEnv(maintenanceEnvSchema, { MAINTENANCE_ATTEMPTS_RETENTION_DAYS: '0' }, 'maintenance')).toThrow(/MAINTENANCE_ATTEMPTS_RETENTION_DAYS/);
  });
});

describe('maintenance worker', () => {
  function startWorker(env: Record<string, string> = {}) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'workers/maintenance/index.ts'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: database.url, LOG_LEVEL: 'info', MAINTENANCE_INTERVAL_SECONDS: '10', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, output: () => output, exited };
  }

  it('skips a pass while another process prunes, prunes when alone, and stops cleanly on SIGTERM', async () => {
    const now = new Date();
    await seedAttempts(120, new Date(now.getTime() - 8 * DAY));
    await seedKeys(3, new Date(now.getTime() - 31 * DAY), 'old-');
    await seedLog(5, new Date(now.getTime() - 400 * DAY));
    const before = await logFingerprint();

    const holder = await pool.connect();
    await holder.query('SELECT pg_advisory_lock($1)', [PRUNER_LOCK]);
    const blocked = startWorker();
    await waitFor('the worker to skip its pass', async () => blocked.output().includes('holds the pruner lock'), 30_000);
    expect(await count('SELECT count(*) FROM consumer_attempts')).toBe(120);
    blocked.child.kill('SIGTERM');
    expect(await blocked.exited).toBe(0);
    await holder.query('SELECT pg_advisory_unlock($1)', [PRUNER_LOCK]);
    holder.release();

    const worker = startWorker({ MAINTENANCE_BATCH_SIZE: '50' });
    await waitFor('the worker to prune', async () => (await count('SELECT count(*) FROM consumer_attempts')) === 0 && (await count('SELECT count(*) FROM idempotency_keys')) === 0, 30_000);
    await waitFor('its report', async () => worker.output().includes('deleted 120 consumer_attempts rows') && worker.output().includes('in 3 batches'), 5_000);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(worker.output()).toContain('maintenance: stopped');
    expect(worker.output()).not.toMatch(/failed|error/i);
    expect(await logFingerprint()).toBe(before);
  });

  it('refuses to start with a bad variable, naming it (exit 78)', async () => {
    const worker = startWorker({ MAINTENANCE_IDEMPOTENCY_RETENTION_DAYS: '0' });
    expect(await worker.exited).toBe(78);
    expect(worker.output()).toContain('MAINTENANCE_IDEMPOTENCY_RETENTION_DAYS');
  });
});
