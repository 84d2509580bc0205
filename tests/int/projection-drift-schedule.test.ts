// Scheduled drift checks (PROJECTION_DRIFT_EVERY_MIN) on real PostgreSQL: the
// scheduler starts a check of the projection checked longest ago, one at a time,
// skips a projection whose scope holds an active job, starts nothing before the next
// one is due, and two schedulers deciding at once start one job. Then the real jobs
// worker (workers/jobs/index.ts) with PROJECTION_DRIFT_EVERY_MIN=1 starts and runs
// checks by itself: drift reports appear with no request from anyone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { scheduleDriftCheck, driftScheduleActor } from '@/lib/app/schedule-drift-checks';
import { jobKindRegistry } from '@/lib/jobs/kinds';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { waitFor } from '../support/wait-for';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MINUTE = 60_000;
let database: TestDatabase;
let db: Db;
const kinds = jobKindRegistry();
const children: ChildProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase('projection_drift_schedule');
  db = createDb(database.url, { poolSize: 6 });
}, 60_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await db?.$disconnect();
  await database?.drop();
});

const scheduledJobs = () =>
  db.$queryRawUnsafe<Array<{ id: string; scope: string; state: string; created_by: string | null; idempotency_key: string }>>(
    `SELECT id::text, scope, state::text, created_by::text, idempotency_key FROM background_jobs WHERE idempotency_key LIKE 'drift-schedule:%' ORDER BY created_at`,
  );
/** Marks a job done, as if created at `at` (the scheduler's clock in this test runs ahead of the database's). */
const finish = (id: string, at?: Date) =>
  db.$executeRawUnsafe(`UPDATE background_jobs SET state = 'succeeded', finished_at = now(), created_at = coalesce($2, created_at) WHERE id = $1::uuid`, id, at ?? null);

describe('scheduled drift checks', () => {
  it('checks the projection checked longest ago, one at a time, skipping busy ones and those not due', async () => {
    const deps = { db, kinds };
    const t0 = new Date();
    const first = await scheduleDriftCheck(deps, { everyMs: 10 * MINUTE, now: t0 });
    // Both never checked: the first by name.
    expect(first).toMatchObject({ start: 'customer-stats', reason: 'never checked' });
    const [job] = await scheduledJobs();
    expect(job).toMatchObject({ scope: 'projection:customer-stats', state: 'queued', created_by: null });
    const [audit] = await db.$queryRawUnsafe<Array<{ actor_email: string; actor_role: string; action: string }>>(
      `SELECT actor_email, actor_role, action FROM audit_log WHERE target = $1`, job!.id,
    );
    expect(audit).toEqual({ actor_email: driftScheduleActor.email, actor_role: 'system', action: 'job.start' });

    // One at a time: order-summary is due too, but waits while the scheduled check is active.
    expect(await scheduleDriftCheck(deps, { everyMs: 10 * MINUTE, now: t0 })).toMatchObject({ start: null, reason: 'scheduled check running' });
    await finish(job!.id);
    expect(await scheduleDriftCheck(deps, { everyMs: 10 * MINUTE, now: t0 })).toMatchObject({ start: 'order-summary', reason: 'never checked' });
    await finish((await scheduledJobs())[1]!.id);

    // Both checked just now: nothing is due before ten minutes have passed.
    expect(await scheduleDriftCheck(deps, { everyMs: 10 * MINUTE, now: new Date(t0.getTime() + 9 * MINUTE) })).toMatchObject({ start: null, reason: 'nothing due' });

    // Eleven minutes on both are due; customer-stats (checked first) goes first — unless its scope is busy.
    const later = new Date(Date.now() + 11 * MINUTE);
    const busy = await db.backgroundJob.create({ data: { kind: 'projection.repair', scope: 'projection:customer-stats', params: { projection: 'customer-stats' } } });
    const skipping = await scheduleDriftCheck(deps, { everyMs: 10 * MINUTE, now: later });
    expect(skipping).toMatchObject({ start: 'order-summary', reason: 'due' });
    await finish((await scheduledJobs())[2]!.id, later);
    expect(await scheduleDriftCheck(deps, { everyMs: 10 * MINUTE, now: later })).toMatchObject({ start: null, reason: 'nothing due', skipped: ['customer-stats'] });
    await finish(busy.id);
    expect(await scheduleDriftCheck(deps, { everyMs: 10 * MINUTE, now: later })).toMatchObject({ start: 'customer-stats', reason: 'due' });
    const all = await scheduledJobs();
    expect(all.map((j) => j.scope).sort()).toEqual(['projection:customer-stats', 'projection:customer-stats', 'projection:order-summary', 'projection:order-summary']);
    expect(all.filter((j) => j.state === 'queued')).toHaveLength(1);
    for (const j of all) await finish(j.id);

    expect(await scheduleDriftCheck(deps, { everyMs: 0, now: later })).toMatchObject({ start: null, reason: 'disabled' });
  });

  it('two schedulers deciding at once start one check; a stored report counts as a check, whoever ran it', async () => {
    await db.$executeRawUnsafe(`DELETE FROM background_jobs`);
    const far = new Date(Date.now() + 60 * MINUTE);
    // customer-stats was checked (from the console, say) five minutes before `far`: only order-summary is due.
    await db.$executeRawUnsafe(
      `INSERT INTO drift_reports (id, projection, version, table_name, status, started_at) VALUES (gen_random_uuid(), 'customer-stats', 1, 'customer_stats_v1', 'clean', $1)`,
      new Date(far.getTime() - 5 * MINUTE),
    );
    const outcomes = await Promise.all(Array.from({ length: 4 }, () => scheduleDriftCheck({ db, kinds }, { everyMs: 10 * MINUTE, now: far })));
    expect(outcomes.filter((o) => o.start !== null)).toEqual([expect.objectContaining({ start: 'order-summary' })]);
    expect(await scheduledJobs()).toHaveLength(1);
    await db.$executeRawUnsafe(`DELETE FROM background_jobs`);
  });

  it('the jobs worker with PROJECTION_DRIFT_EVERY_MIN=1 starts and runs checks of every projection by itself', async () => {
    await db.$executeRawUnsafe(`DELETE FROM drift_reports`);
    const child = spawn(process.execPath, ['--import', 'tsx', 'workers/jobs/index.ts'], {
      cwd: root,
      env: {
        ...process.env, NODE_ENV: 'production', DATABASE_URL: database.url, LOG_LEVEL: 'info', PROJECTION_DRIFT_EVERY_MIN: '1',
        PROJECTION_DRIFT_PUBLISH_WAIT_MS: '0', JOBS_POLL_MS: '200', JOBS_SWEEP_MS: '500',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    // Ticks every 2 s (a thirtieth of a minute): both projections checked, one after the other.
    await waitFor('a clean scheduled drift report of both projections', async () => {
      const rows = await db.$queryRawUnsafe<Array<{ projection: string }>>(`SELECT DISTINCT projection FROM drift_reports WHERE status = 'clean'`);
      return rows.length === 2;
    }, 60_000, 500).catch((e: unknown) => {
      throw new Error(`${String(e)}; worker output:\n${output}`);
    });
    const jobs = await scheduledJobs();
    expect(jobs.map((j) => j.state)).toEqual(['succeeded', 'succeeded']);
    expect(new Set(jobs.map((j) => j.scope))).toEqual(new Set(['projection:customer-stats', 'projection:order-summary']));
    expect(output).toContain('drift checks of every projection scheduled every 1 min');
    child.kill('SIGTERM');
    await new Promise<void>((resolve) => child.once('exit', () => resolve()));
    expect(child.exitCode).toBe(0);
  }, 120_000);
});
