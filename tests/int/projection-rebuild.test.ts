// Blue/green rebuild (issue 10) on real PostgreSQL, through the real job runner:
// - under live traffic (fed through the versioned live consumer's batch handler,
//   events sometimes marked published after they were applied), a rebuild of a
//   corrupted projection reports exactly the corruption as its old-vs-new diff,
//   the swap happens while writes continue, and afterwards the active version has
//   zero drift, matches an independent SQL recomputation (no event lost or
//   doubled), and the live consumer writes the new table with no restart;
// - a cancelled rebuild leaves a failed version and no table;
// - a jobs worker process SIGKILLed mid-fold: another worker resumes after the last
//   finished key; every event is folded exactly once;
// - the old-vs-new diff runs without the registry lock: with the diff held up before
//   its compare (version row) and after it (drift_reports), the registry row can be
//   locked and live batches commit; the diff still compares both tables at one point
//   (0 differences) and the events applied meanwhile reach the new version at the swap.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { createOutboxWriter } from '@/lib/adapters/outbox/outbox-writer';
import { activeVersion, sqlProjectionVersions } from '@/lib/adapters/prisma/projection-registry';
import type { BatchItem, ConsumerDefinition } from '@/lib/backbone/consumer-definition';
import type { SqlTx } from '@/lib/backbone/ports';
import { listProjectionVersions } from '@/lib/backbone/projection-rebuild-registry';
import { startProjectionRebuild } from '@/lib/app/start-projection-rebuild';
import { swapProjectionVersion } from '@/lib/app/swap-projection-version';
import { dropProjectionVersion } from '@/lib/app/drop-projection-version';
import { cancelJob } from '@/lib/app/cancel-job';
import { createOrderEventRegistry, ORDERS_TOPIC } from '@/lib/demo/orders/events';
import { registeredDemoProjections } from '@/lib/demo/projections';
import type { EventRegistry } from '@/lib/domain/events/registry';
import type { SessionUser } from '@/lib/domain/session-user';
import { createJobKindRegistry } from '@/lib/jobs/job-kind';
import { startJobQueue, type JobQueue } from '@/lib/jobs/job-queue';
import { createJobRunner, type JobRunner } from '@/lib/jobs/job-runner';
import { createProjectionRebuildJob } from '@/lib/jobs/kinds/projection-rebuild';
import { createProjectionDriftCheckJob, runDriftCheck } from '@/lib/jobs/kinds/projection-drift-check';
import type { ProjectionJobDeps } from '@/lib/jobs/kinds/projection-deps';
import { getJob } from '@/lib/read/get-job';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { customerStatsDrift } from '../support/demo-projection-checks';
import { waitFor } from '../support/wait-for';
import { customerIds, placeOrders } from '../support/projection-feed';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PARTITIONS = 4;
const admin: SessionUser = { id: randomUUID(), email: 'admin@example.com', name: 'Ad', role: 'admin' };
const operator: SessionUser = { id: randomUUID(), email: 'op@example.com', name: 'Op', role: 'operator' };
const fast = { pollMs: 100, heartbeatMs: 200, staleAfterMs: 1_500, sweepMs: 300 };
const quiet = { info: () => {}, warn: () => {} };
let database: TestDatabase;
let db: Db;
let deps: ProjectionJobDeps;
let queue: JobQueue;
let runner: JobRunner | undefined;
let consumers: ConsumerDefinition<SqlTx>[];
const children: ChildProcess[] = [];
const offsets = new Array<number>(PARTITIONS).fill(-1);
const writer = createOutboxWriter({ source: '/test/projection-rebuild', topicFor: () => ORDERS_TOPIC });
const kinds = () => createJobKindRegistry([createProjectionRebuildJob(() => Promise.resolve(deps)), createProjectionDriftCheckJob(() => Promise.resolve(deps))]);
const jobDeps = () => ({ db, kinds: kinds(), queue });
const stateOf = async (id: string) => (await getJob(db, id)).state;
const count = async (sql: string, ...params: unknown[]) => Number((await db.$queryRawUnsafe<Array<{ n: bigint | number }>>(sql, ...params))[0]!.n);

beforeAll(async () => {
  database = await createTestDatabase('projection_rebuild');
  db = createDb(database.url, { poolSize: 12 });
  deps = {
    db, registry: createOrderEventRegistry() as EventRegistry,
    env: { DATABASE_URL: database.url, PROJECTION_DRIFT_BUCKETS: 64, PROJECTION_DRIFT_SAMPLES: 5, PROJECTION_DRIFT_PUBLISH_WAIT_MS: 5_000, PROJECTION_DRIFT_EVERY_MIN: 0, PROJECTION_REPAIR_BATCH: 100 },
  };
  consumers = registeredDemoProjections(sqlProjectionVersions);
  queue = await startJobQueue({ databaseUrl: database.url, maintain: false });
  runner = createJobRunner({ db, queue, kinds: kinds(), concurrency: 2, shutdownTimeoutMs: 2_000, logger: quiet, ...fast });
  runner.start();
}, 60_000);

afterEach(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

afterAll(async () => {
  await runner?.stop();
  await queue?.stop();
  await db?.$disconnect();
  await database?.drop();
});

/**
 * Appends orders to the outbox, gives each event a partition (by order) and an
 * offset, applies them through the live consumers' batch handlers (which resolve the
 * active version per batch), and marks them published — 200 ms later when
 * `markLate`, so the consumer applies them first, as a relay slower than its consumer.
 */
let lastFed: BatchItem[] = [];

async function deliver(items: readonly BatchItem[]): Promise<void> {
  for (let p = 0; p < PARTITIONS; p++) {
    const run = items.filter((i) => i.message.partition === p);
    for (const consumer of consumers) {
      const handles = new Set<string>(consumer.handles);
      const mine = run.filter((i) => handles.has(i.event.type));
      if (mine.length > 0) await db.$transaction((tx) => consumer.handleBatch!(mine as never, { tx } as never), { timeout: 30_000 });
    }
  }
}

async function feed(customers: string[], ordersEach: number, markLate = false): Promise<void> {
  const { placed, mark } = await placeOrders(db, writer, offsets, customers, ordersEach);
  // The relay marks independently of the consumers: late means on a timer, not after the apply.
  if (!markLate) await mark();
  else setTimeout(() => void mark().catch((e: unknown) => console.error('late mark failed', e)), 200);
  await deliver(placed as BatchItem[]);
  lastFed = placed as BatchItem[];
}


async function liveTraffic() {
  let stop = false;
  let rounds = 0;
  const loop = (async () => {
    for (; !stop; rounds++) await feed(customerIds(`live${rounds}`, 4), 2, rounds % 2 === 0);
  })();
  return {
    rounds: () => rounds,
    async stop() {
      stop = true;
      await loop;
      await new Promise((r) => setTimeout(r, 400)); // the last late marks
    },
  };
}

describe('projection rebuild', () => {
  it('under live traffic: diff shows the corruption, swap while writes go on, then drift 0 and no event lost', async () => {
    await feed(customerIds('base', 150), 3);
    const table = 'customer_stats_v1';
    const keys = (await db.$queryRawUnsafe<Array<{ customer_id: string }>>(`SELECT customer_id FROM ${table} ORDER BY customer_id LIMIT 9`)).map((r) => r.customer_id);
    await db.$executeRawUnsafe(`DELETE FROM ${table} WHERE customer_id = ANY($1::text[])`, keys.slice(0, 3));
    await db.$executeRawUnsafe(`INSERT INTO ${table} (customer_id, orders_placed, orders_cancelled, revenue_cents, last_event_id, updated_at)
      VALUES ('ghost-1', 1, 0, 5, gen_random_uuid(), now()), ('ghost-2', 2, 0, 7, gen_random_uuid(), now())`);
    await db.$executeRawUnsafe(`UPDATE ${table} SET orders_placed = orders_placed + 1 WHERE customer_id = ANY($1::text[])`, keys.slice(3, 7));

    // An operator may not start it; the refusal is audited.
    await expect(startProjectionRebuild(jobDeps(), operator, 'customer-stats')).rejects.toMatchObject({ code: 'forbidden' });

    const live = await liveTraffic();
    let jobId = '';
    try {
      const { job } = await startProjectionRebuild(jobDeps(), admin, 'customer-stats', { pageSize: 200 });
      jobId = job.id;
      expect(job.scope).toBe('projection:customer-stats');
      // One rebuild (or check) per projection at a time.
      await expect(startProjectionRebuild(jobDeps(), admin, 'customer-stats')).rejects.toMatchObject({ code: 'conflict', details: { activeJobId: job.id } });
      await waitFor('the rebuild to be ready to swap', async () => {
        const s = await stateOf(job.id);
        if (s === 'failed') throw new Error(`rebuild failed: ${(await getJob(db, job.id)).error}`);
        return s === 'succeeded';
      }, 120_000);
      const done = await getJob(db, job.id);
      expect(done.result).toMatchObject({ version: 2, table: 'customer_stats_v2', readyToSwap: true, missing: 3, extra: 2, different: 4 });
      expect(done.progress.done).toBe(done.progress.total);
      const versions = await listProjectionVersions(db, 'customer-stats');
      expect(versions.map((v) => [v.version, v.state])).toEqual([[2, 'ready'], [1, 'active']]);
      expect(versions[0]!.diff).toMatchObject({ missing: 3, extra: 2, different: 4 });
      // Live traffic went on during the rebuild, and v1 was still the one written.
      const roundsBefore = live.rounds();
      expect(roundsBefore).toBeGreaterThan(0);

      // Operators may not swap; admins may, while writes continue.
      await expect(swapProjectionVersion({ db, registry: deps.registry }, operator, 'customer-stats', { version: 2 })).rejects.toMatchObject({ code: 'forbidden' });
      await waitFor('more live traffic after the rebuild', async () => live.rounds() >= roundsBefore + 2);
      const swapped = await swapProjectionVersion({ db, registry: deps.registry, publishWaitMs: 5_000 }, admin, 'customer-stats', { version: 2 });
      expect(swapped).toMatchObject({ from: 1, to: 2 });
      const afterSwap = live.rounds();
      await waitFor('live traffic after the swap', async () => live.rounds() >= afterSwap + 2);
      // Swap back to the retired v1 (caught up from the log) and forth again, writes going on.
      expect(await swapProjectionVersion({ db, registry: deps.registry, publishWaitMs: 5_000 }, admin, 'customer-stats', { version: 1 })).toMatchObject({ from: 2, to: 1 });
      const backAt = live.rounds();
      await waitFor('live traffic on v1 again', async () => live.rounds() >= backAt + 2);
      expect(await swapProjectionVersion({ db, registry: deps.registry, publishWaitMs: 5_000 }, admin, 'customer-stats', { version: 2 })).toMatchObject({ from: 1, to: 2 });
      const forthAt = live.rounds();
      await waitFor('live traffic on v2 again', async () => live.rounds() >= forthAt + 2);
    } finally {
      await live.stop();
    }
    // Kafka may deliver again what the group had not committed: the new version's checkpoints drop it.
    await deliver(lastFed);
    // The live consumer wrote the new table after the swap without a restart, and stopped writing the old one.
    const lastRound = `live${live.rounds() - 1}-000`;
    expect(await count(`SELECT count(*) AS n FROM customer_stats_v2 WHERE customer_id = $1`, lastRound)).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM customer_stats_v1 WHERE customer_id = $1`, lastRound)).toBe(0);

    const { result, active } = await runDriftCheck(deps, 'customer-stats', null);
    expect(active.table).toBe('customer_stats_v2');
    expect({ missing: result.missing, extra: result.extra, different: result.different }).toEqual({ missing: 0, extra: 0, different: 0 });
    // No event lost or doubled: the plain SQL recomputation over the whole outbox agrees.
    expect(await customerStatsDrift(db, [ORDERS_TOPIC], 'customer_stats_v2')).toEqual([]);
    expect(await count(`SELECT count(*) AS n FROM audit_log WHERE action = 'projection.swap' AND outcome = 'ok' AND details->>'to' = '2'`)).toBe(2);
    expect(await count(`SELECT count(*) AS n FROM audit_log WHERE action = 'projection.swap' AND outcome = 'denied'`)).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM audit_log WHERE action = 'job.start' AND target = $1 AND outcome = 'ok'`, jobId)).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM audit_log WHERE action = 'projection.rebuild.ready' AND details->>'jobId' = $1 AND details->>'missing' = '3'`, jobId)).toBe(1);

    // The old version is kept (retired) until dropped; the active one cannot be dropped.
    expect((await listProjectionVersions(db, 'customer-stats')).map((v) => [v.version, v.state])).toEqual([[2, 'active'], [1, 'retired']]);
    await expect(dropProjectionVersion(db, admin, 'customer-stats', 2)).rejects.toMatchObject({ code: 'conflict' });
    await expect(dropProjectionVersion(db, operator, 'customer-stats', 1)).rejects.toMatchObject({ code: 'forbidden' });
    expect(await dropProjectionVersion(db, admin, 'customer-stats', 1)).toEqual({ projection: 'customer-stats', version: 1, table: 'customer_stats_v1' });
    expect(await count(`SELECT count(*) AS n FROM pg_class WHERE relname = 'customer_stats_v1'`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM projection_checkpoints WHERE projection = 'customer-stats'`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM audit_log WHERE action = 'projection.drop' AND outcome = 'ok'`)).toBe(1);
  }, 240_000);

  it('the diff runs without the registry lock: live batches commit during it; it compares one point; the swap brings the rest', async () => {
    await feed(customerIds('pre', 60), 3);
    const live = await activeVersion(db, 'customer-stats');
    const rebuilt = { projection: 'customer-stats', version: live.version + 1 };
    // Two holds on the diff: the version row (taken during the fold; the diff locks it
    // after its snapshot, before its catch-up and compare) and drift_reports (where the
    // diff records its report; nothing else in a rebuild writes it).
    const versionHold = new pg.Client({ connectionString: database.url });
    const reportHold = new pg.Client({ connectionString: database.url });
    await Promise.all([versionHold.connect(), reportHold.connect()]);
    const waiting = (sql: string) => count(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE $1`, sql);
    const registryFreeAndLiveGoesOn = async (prefix: string) => {
      const lockable = await db.$transaction((tx) => tx.$queryRawUnsafe<unknown[]>(`SELECT 1 FROM projection_registry WHERE projection = $1 FOR UPDATE NOWAIT`, rebuilt.projection), { timeout: 5_000 });
      expect(lockable).toHaveLength(1);
      const tooLong = new Promise((_, reject) => setTimeout(() => reject(new Error('a live batch waited for the diff')), 10_000));
      await Promise.race([feed(customerIds(prefix, 5), 2), tooLong]);
      expect(await count(`SELECT count(*) AS n FROM "${live.table}" WHERE customer_id LIKE $1`, `${prefix}-%`)).toBe(5);
    };
    let jobId = '';
    try {
      await reportHold.query(`BEGIN; LOCK TABLE drift_reports IN SHARE MODE`);
      const { job } = await startProjectionRebuild(jobDeps(), admin, rebuilt.projection, { pageSize: 50, throttleMs: 200 });
      jobId = job.id;
      await waitFor('the version registered, still folding', async () => {
        await versionHold.query(`BEGIN`);
        const { rows } = await versionHold.query(`SELECT state FROM projection_versions WHERE projection = $1 AND version = $2 FOR KEY SHARE`, [rebuilt.projection, rebuilt.version]);
        if (rows[0]?.state === 'building' && (await getJob(db, job.id)).checkpoint) return true;
        await versionHold.query(`ROLLBACK`);
        return false;
      }, 60_000, 20);
      expect(((await getJob(db, job.id)).checkpoint as { phase: string }).phase).toBe('fold');
      await waitFor('the diff to wait for the version row', async () => (await waiting('%projection_versions%FOR UPDATE%')) > 0, 60_000);
      // In the diff, after its snapshot, before its catch-up and compare: live batches go on.
      await registryFreeAndLiveGoesOn('during-diff-a');
      await versionHold.query(`ROLLBACK`);
      await waitFor('the diff to wait for drift_reports', async () => (await waiting('%INSERT INTO drift_reports%')) > 0, 60_000);
      // After its compare: the same.
      await registryFreeAndLiveGoesOn('during-diff-b');
      expect(await stateOf(job.id)).toBe('running');
    } finally {
      await versionHold.query('ROLLBACK').catch(() => undefined);
      await reportHold.query('ROLLBACK').catch(() => undefined);
      await Promise.all([versionHold.end(), reportHold.end()]);
    }
    await waitFor('the rebuild to be ready to swap', async () => {
      const s = await stateOf(jobId);
      if (s === 'failed') throw new Error(`rebuild failed: ${(await getJob(db, jobId)).error}`);
      return s === 'succeeded';
    }, 60_000);
    // Both tables compared at the snapshot's point: the live events applied after it (before the compare) are no difference.
    const built = (await getJob(db, jobId)).result as { version: number; table: string };
    expect(built).toMatchObject({ version: rebuilt.version, missing: 0, extra: 0, different: 0, readyToSwap: true });
    expect(await count(`SELECT count(*) AS n FROM "${built.table}" WHERE customer_id LIKE 'during-diff-%'`)).toBe(0);
    expect(await swapProjectionVersion({ db, registry: deps.registry, publishWaitMs: 5_000 }, admin, rebuilt.projection, { version: built.version })).toMatchObject({ from: live.version, to: built.version });
    expect(await count(`SELECT count(*) AS n FROM "${built.table}" WHERE customer_id LIKE 'during-diff-%'`)).toBe(10);
    const { result } = await runDriftCheck(deps, rebuilt.projection, null);
    expect({ missing: result.missing, extra: result.extra, different: result.different }).toEqual({ missing: 0, extra: 0, different: 0 });
    expect(await customerStatsDrift(db, [ORDERS_TOPIC], built.table)).toEqual([]);
  }, 180_000);

  it('cancel: the half-built version is failed and its table dropped; the active one is untouched', async () => {
    const { job } = await startProjectionRebuild(jobDeps(), admin, 'order-summary', { pageSize: 50, throttleMs: 300 });
    await waitFor('the fold to be under way', async () => {
      const view = await getJob(db, job.id);
      return view.state === 'running' && view.progress.done > 0;
    }, 60_000);
    await cancelJob({ db, kinds: kinds() }, admin, job.id);
    await waitFor('cancelled', async () => (await stateOf(job.id)) === 'cancelled', 30_000);
    const versions = await listProjectionVersions(db, 'order-summary');
    expect(versions.map((v) => [v.version, v.state])).toEqual([[2, 'failed'], [1, 'active']]);
    expect(await count(`SELECT count(*) AS n FROM pg_class WHERE relname = 'order_summary_v2'`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM projection_checkpoints WHERE projection = 'order-summary@v2'`)).toBe(0);
    const { result, active } = await runDriftCheck(deps, 'order-summary', null);
    expect(active.version).toBe(1);
    expect(result.missing + result.extra + result.different).toBe(0);
  }, 120_000);

  it('a jobs worker SIGKILLed mid-fold: another worker resumes after the last finished key, every event folded once', async () => {
    await runner?.stop();
    runner = undefined;
    const spawnWorker = () => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'tests/support/job-kinds-worker.ts'], {
        cwd: root,
        env: { ...process.env, DATABASE_URL: database.url, JOBS_POLL_MS: '100', JOBS_HEARTBEAT_MS: '250', JOBS_STALE_AFTER_MS: '2000', JOBS_SWEEP_MS: '300', PROJECTION_DRIFT_PUBLISH_WAIT_MS: '5000', LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
      children.push(child);
      return { child, output: () => output, exited: new Promise<void>((resolve) => child.on('exit', () => resolve())) };
    };
    const { job } = await startProjectionRebuild(jobDeps(), admin, 'order-summary', { pageSize: 60, throttleMs: 100 });
    const first = spawnWorker();
    const half = await waitFor('the fold a third of the way', async () => {
      const view = await getJob(db, job.id);
      return view.state === 'running' && view.progress.total && view.progress.done >= view.progress.total / 3 ? view : null;
    }, 90_000).catch((e: Error) => {
      throw new Error(`${e.message}\nworker output:\n${first.output()}`);
    });
    first.child.kill('SIGKILL');
    await first.exited;
    const checkpoint = (await getJob(db, job.id)).checkpoint as { phase: string; afterKey: string | null; done: number };
    expect(checkpoint.phase).toBe('fold');
    expect(checkpoint.afterKey).not.toBeNull();
    expect(await stateOf(job.id)).toBe('running'); // the dead worker cannot say otherwise
    const building = (await listProjectionVersions(db, 'order-summary')).find((v) => v.state === 'building')!;
    expect(building.jobId).toBe(job.id);
    // The rows of the keys the first run checkpointed as finished, with the transaction that wrote each
    // (a page written after the last checkpoint is redone, identically; its rows are not among these).
    const before = await db.$queryRawUnsafe<Array<{ k: string; x: string }>>(
      `SELECT order_id::text AS k, xmin::text AS x FROM "${building.table}" WHERE order_id::text <= $1`, checkpoint.afterKey,
    );
    expect(before.length).toBeGreaterThan(0);

    const second = spawnWorker();
    await waitFor('the job to finish on the second worker', async () => {
      const s = await stateOf(job.id);
      if (s === 'failed') throw new Error(`failed: ${(await getJob(db, job.id)).error}`);
      return s === 'succeeded';
    }, 120_000).catch((e: Error) => {
      throw new Error(`${e.message}\nsecond worker output:\n${second.output()}`);
    });
    const done = await getJob(db, job.id);
    expect(done.attempts).toBeGreaterThanOrEqual(2);
    const cut = (done.checkpoint as { cut: Array<{ events: number }> }).cut;
    const atCut = cut.reduce((n, c) => n + c.events, 0);
    // Every event at the cut folded exactly once across the two runs (none skipped, none twice).
    expect(done.result).toMatchObject({ eventsFolded: atCut, missing: 0, extra: 0, different: 0, readyToSwap: true });
    expect(half.progress.done).toBeLessThan(atCut);
    const version = (done.result as { version: number; table: string });
    expect(version.table).toBe(building.table); // the same version, resumed, not a new one
    expect(await count(`SELECT count(*) AS n FROM "${version.table}"`)).toBe(await count(`SELECT count(*) AS n FROM order_summary_v1`));
    // Resumed after the last finished key: nothing the first run checkpointed was written again.
    const after = new Map((await db.$queryRawUnsafe<Array<{ k: string; x: string }>>(`SELECT order_id::text AS k, xmin::text AS x FROM "${version.table}"`)).map((r) => [r.k, r.x]));
    expect(before.filter((r) => after.get(r.k) !== r.x)).toEqual([]);
    second.child.kill('SIGTERM');
    await second.exited;
  }, 240_000);
});
