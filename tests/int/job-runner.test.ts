// The background job runner on real PostgreSQL and pg-boss: start, progress, one job
// per idempotency key, one active job per scope, pause/resume from the checkpoint,
// cancel, roles and audit, and a worker process SIGKILLed half way whose job another
// worker finishes with every step done exactly once.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { startJob } from '@/lib/app/start-job';
import { pauseJob } from '@/lib/app/pause-job';
import { resumeJob } from '@/lib/app/resume-job';
import { cancelJob } from '@/lib/app/cancel-job';
import type { SessionUser } from '@/lib/domain/session-user';
import { createJobKindRegistry } from '@/lib/jobs/job-kind';
import { startJobQueue, type JobQueue } from '@/lib/jobs/job-queue';
import { createJobRunner, type JobRunner } from '@/lib/jobs/job-runner';
import { jobKinds } from '@/lib/jobs/kinds';
import { getJob } from '@/lib/read/get-job';
import { listJobs } from '@/lib/read/list-jobs';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createJobTestTables, testJobKinds } from '../support/job-kinds';
import { waitFor } from '../support/wait-for';
import { sqlCounter } from '../support/sql-count';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const kinds = createJobKindRegistry([...jobKinds, ...testJobKinds]);
const operator: SessionUser = { id: randomUUID(), email: 'op@example.com', name: 'Op', role: 'operator' };
const viewer: SessionUser = { id: randomUUID(), email: 'viewer@example.com', name: 'Vi', role: 'viewer' };
const fast = { pollMs: 100, heartbeatMs: 200, staleAfterMs: 1_500, sweepMs: 300 };
const quiet = { info: () => {}, warn: () => {} };

let database: TestDatabase;
let db: Db;
let pool: pg.Pool;
let queue: JobQueue;
let runner: JobRunner | undefined;
const children: ChildProcess[] = [];
const count = (sql: string, ...params: unknown[]) => sqlCounter(pool)(sql, ...params);
const deps = () => ({ db, kinds, queue });
const steps = (label: string, n: number, stepMs: number) => ({ kind: 'test.steps', params: { label, steps: n, stepMs } });
const stateOf = async (id: string) => (await getJob(db, id)).state;

beforeAll(async () => {
  database = await createTestDatabase('job_runner');
  db = createDb(database.url, { poolSize: 6 });
  pool = new pg.Pool({ connectionString: database.url, max: 3 });
  await createJobTestTables(pool);
  queue = await startJobQueue({ databaseUrl: database.url, maintain: false });
  runner = createJobRunner({ db, queue, kinds, concurrency: 2, shutdownTimeoutMs: 2_000, logger: quiet, ...fast });
  runner.start();
});

afterEach(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

afterAll(async () => {
  await runner?.stop();
  await queue?.stop();
  await db?.$disconnect();
  await pool?.end();
  await database?.drop();
});

describe('job runner', () => {
  it('runs a job to success, with progress, rate and ETA while it runs, and audits the start', async () => {
    const { job, created } = await startJob(deps(), operator, steps('basic', 40, 40));
    expect(created).toBe(true);
    expect(job).toMatchObject({ state: 'queued', scope: 'test:steps:basic', createdBy: operator.id });
    const running = await waitFor('progress with a rate', async () => {
      const view = await getJob(db, job.id);
      return view.state === 'running' && view.progress.done >= 20 && view.progress.ratePerSecond ? view : null;
    });
    expect(running.progress.total).toBe(40);
    expect(running.progress.ratePerSecond!).toBeGreaterThan(5);
    expect(running.progress.etaSeconds!).toBeGreaterThan(0);
    expect(running.progress.etaSeconds!).toBeLessThan(10);
    await waitFor('success', async () => (await stateOf(job.id)) === 'succeeded');
    const done = await getJob(db, job.id);
    expect(done.progress).toMatchObject({ done: 40, total: 40, failures: 0, fraction: 1, ratePerSecond: null, etaSeconds: null });
    expect(done.result).toEqual({ steps: 40 });
    expect(done.finishedAt).not.toBeNull();
    expect(await count(`SELECT count(*) FROM job_test_steps WHERE job_id = $1`, job.id)).toBe(40);
    expect(await count(`SELECT count(*) FROM audit_log WHERE action = 'job.start' AND target = $1 AND outcome = 'ok'`, job.id)).toBe(1);
  });

  it('runs the demo.count kind from the catalog', async () => {
    const { job } = await startJob(deps(), operator, { kind: 'demo.count', params: { to: 5, stepMs: 0, label: 'int' } });
    expect(job.scope).toBe('demo:count:int');
    await waitFor('success', async () => (await stateOf(job.id)) === 'succeeded');
    expect(await getJob(db, job.id)).toMatchObject({ result: { counted: 5 }, checkpoint: { next: 5 }, progress: { done: 5, total: 5 } });
  });

  it('a failing kind fails the job with its error', async () => {
    const { job } = await startJob(deps(), operator, { kind: 'test.steps', params: { label: 'fails', steps: 10, failAt: 4 } });
    await waitFor('failure', async () => (await stateOf(job.id)) === 'failed');
    const view = await getJob(db, job.id);
    expect(view.error).toContain('step 4 failed on purpose');
    expect(view.progress.done).toBe(4);
  });

  it('two concurrent requests with one idempotency key start one job', async () => {
    const request = { ...steps('idem', 5, 0), idempotencyKey: `key-${randomUUID()}` };
    const [a, b] = await Promise.all([startJob(deps(), operator, request), startJob(deps(), operator, request)]);
    expect(a.job.id).toBe(b.job.id);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    expect(await count(`SELECT count(*) FROM background_jobs WHERE idempotency_key = $1`, request.idempotencyKey)).toBe(1);
    // The same key for a different request is refused rather than silently answered.
    await expect(startJob(deps(), operator, { ...steps('other', 5, 0), idempotencyKey: request.idempotencyKey })).rejects.toMatchObject({ code: 'conflict' });
    await waitFor('success', async () => (await stateOf(a.job.id)) === 'succeeded');
  });

  it('one active job per scope: a second start conflicts and names the active job', async () => {
    const { job } = await startJob(deps(), operator, steps('scope', 200, 20));
    const error = await startJob(deps(), operator, steps('scope', 3, 0)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'conflict', details: { activeJobId: job.id } });
    expect((error as Error).message).toContain(job.id);
    expect(await count(`SELECT count(*) FROM audit_log WHERE action = 'job.start' AND outcome = 'failed' AND details->>'activeJobId' = $1`, job.id)).toBe(1);
    // Other scopes are free; once the job is finished, the scope is free again.
    const other = await startJob(deps(), operator, steps('scope-2', 2, 0));
    await cancelJob(deps(), operator, job.id);
    await waitFor('cancelled', async () => (await stateOf(job.id)) === 'cancelled');
    const again = await startJob(deps(), operator, steps('scope', 3, 0));
    await waitFor('both succeed', async () => (await stateOf(other.job.id)) === 'succeeded' && (await stateOf(again.job.id)) === 'succeeded');
  });

  it('pause stops at a checkpoint; resume continues from it with no step done twice', async () => {
    const { job } = await startJob(deps(), operator, steps('pause', 30, 30));
    await waitFor('a few steps', async () => (await getJob(db, job.id)).progress.done >= 5);
    const paused = await pauseJob(deps(), operator, job.id);
    expect(paused.state).toBe('paused');
    await waitFor('the run to let go', async () => (await db.backgroundJob.findUniqueOrThrow({ where: { id: job.id } })).runToken === null);
    const at = (await getJob(db, job.id)).progress.done;
    await new Promise((r) => setTimeout(r, 600));
    expect((await getJob(db, job.id)).progress.done).toBe(at);
    expect(await count(`SELECT count(*) FROM job_test_steps WHERE job_id = $1`, job.id)).toBe(at);
    expect(at).toBeLessThan(30);
    // Pausing again changes nothing; resuming twice starts one run.
    expect((await pauseJob(deps(), operator, job.id)).state).toBe('paused');
    await resumeJob(deps(), operator, job.id);
    await resumeJob(deps(), operator, job.id);
    await waitFor('success', async () => (await stateOf(job.id)) === 'succeeded');
    expect(await count(`SELECT count(DISTINCT step) FROM job_test_steps WHERE job_id = $1`, job.id)).toBe(30);
    expect(await count(`SELECT count(*) FROM job_test_steps WHERE job_id = $1`, job.id)).toBe(30);
    expect((await getJob(db, job.id)).attempts).toBe(2);
    expect(await count(`SELECT count(*) FROM audit_log WHERE target = $1 AND action IN ('job.pause', 'job.resume') AND outcome = 'ok'`, job.id)).toBe(2);
    await expect(pauseJob(deps(), operator, job.id)).rejects.toMatchObject({ code: 'conflict' });
  });

  it('cancel stops a running job at its next checkpoint; a queued or paused one at once', async () => {
    const { job } = await startJob(deps(), operator, steps('cancel', 200, 20));
    await waitFor('a few steps', async () => (await getJob(db, job.id)).progress.done >= 3);
    expect(['cancelling', 'cancelled']).toContain((await cancelJob(deps(), operator, job.id)).state);
    await waitFor('cancelled', async () => (await stateOf(job.id)) === 'cancelled');
    const view = await getJob(db, job.id);
    expect(view.finishedAt).not.toBeNull();
    expect(view.progress.done).toBeLessThan(200);
    expect(await count(`SELECT count(*) FROM job_test_steps WHERE job_id = $1`, job.id)).toBe(view.progress.done);
    await expect(resumeJob(deps(), operator, job.id)).rejects.toMatchObject({ code: 'conflict' });

    const second = await startJob(deps(), operator, steps('cancel-paused', 200, 20));
    await pauseJob(deps(), operator, second.job.id);
    expect((await cancelJob(deps(), operator, second.job.id)).state).toBe('cancelled');
  });

  it("refuses a viewer's start, pause and cancel, and audits the refusals", async () => {
    await expect(startJob(deps(), viewer, steps('viewer', 3, 0))).rejects.toMatchObject({ code: 'forbidden' });
    expect(await count(`SELECT count(*) FROM background_jobs WHERE scope = 'test:steps:viewer'`)).toBe(0);
    expect(await count(`SELECT count(*) FROM audit_log WHERE action = 'job.start' AND outcome = 'denied' AND actor_id = $1`, viewer.id)).toBe(1);
    const { job } = await startJob(deps(), operator, steps('viewer', 100, 20));
    await expect(pauseJob(deps(), viewer, job.id)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(cancelJob(deps(), viewer, job.id)).rejects.toMatchObject({ code: 'forbidden' });
    expect(await count(`SELECT count(*) FROM audit_log WHERE outcome = 'denied' AND target = $1`, job.id)).toBe(2);
    expect(await stateOf(job.id)).not.toMatch(/paused|cancel/);
    await cancelJob(deps(), operator, job.id);
    await expect(startJob(deps(), operator, { kind: 'test.steps', params: { label: 'bad', steps: -1 } })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(startJob(deps(), operator, { kind: 'nope', params: {} })).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('lists jobs by scope, kind and state, newest first, in keyset pages', async () => {
    const all = await listJobs(db, { kind: 'test.steps', limit: 200 });
    expect(all.jobs.length).toBeGreaterThanOrEqual(8);
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const page = await listJobs(db, { kind: 'test.steps', limit: 3, after });
      seen.push(...page.jobs.map((j) => j.id));
      after = page.next ?? undefined;
    } while (after);
    expect(seen).toEqual(all.jobs.map((j) => j.id));
    const scoped = await listJobs(db, { scope: 'test:steps:scope' });
    expect(scoped.jobs.map((j) => j.state)).toEqual(['succeeded', 'cancelled']);
    expect((await listJobs(db, { state: 'cancelled,failed' })).jobs.every((j) => j.state === 'cancelled' || j.state === 'failed')).toBe(true);
    await expect(listJobs(db, { after: 'garbage' })).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('a worker SIGKILLed half way: another worker resumes from the checkpoint, no step twice, none skipped; SIGTERM hands a job back', async () => {
    await runner!.stop();
    runner = undefined;
    const spawnWorker = () => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'tests/support/job-kinds-worker.ts'], {
        cwd: root,
        env: { ...process.env, DATABASE_URL: database.url, JOBS_POLL_MS: '100', JOBS_HEARTBEAT_MS: '250', JOBS_STALE_AFTER_MS: '3000', JOBS_SWEEP_MS: '300', LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
      children.push(child);
      return { child, output: () => output, exited: new Promise<void>((resolve) => child.on('exit', () => resolve())) };
    };
    const total = 60;
    const first = spawnWorker();
    const { job } = await startJob(deps(), operator, steps('kill', total, 50));
    await waitFor('about half the steps', async () => (await count(`SELECT count(*) FROM job_test_steps WHERE job_id = $1`, job.id)) >= total / 2, 60_000).catch((e: Error) => {
      throw new Error(`${e.message}\nworker output:\n${first.output()}`);
    });
    first.child.kill('SIGKILL');
    await first.exited;
    const atKill = await count(`SELECT count(*) FROM job_test_steps WHERE job_id = $1`, job.id);
    expect(atKill).toBeLessThan(total);
    expect(await stateOf(job.id)).toBe('running'); // the dead worker cannot say otherwise

    const second = spawnWorker();
    await waitFor('the job to finish on the second worker', async () => (await stateOf(job.id)) === 'succeeded', 60_000).catch((e: Error) => {
      throw new Error(`${e.message}\nsecond worker output:\n${second.output()}`);
    });
    const { rows } = await pool.query<{ n: string; distinct_steps: string; lo: number; hi: number; pids: string }>(
      `SELECT count(*) AS n, count(DISTINCT step) AS distinct_steps, min(step) AS lo, max(step) AS hi, count(DISTINCT pid) AS pids FROM job_test_steps WHERE job_id = $1`,
      [job.id],
    );
    expect(rows[0]).toEqual({ n: String(total), distinct_steps: String(total), lo: 0, hi: total - 1, pids: '2' });
    expect(await count(`SELECT count(*) FROM job_test_steps WHERE job_id = $1 AND pid = $2`, job.id, second.child.pid)).toBe(total - atKill);
    const view = await getJob(db, job.id);
    expect(view).toMatchObject({ state: 'succeeded', progress: { done: total, total } });
    // Two runs at least; a third only if a starved machine delayed heartbeats past the
    // stale limit (harmless: the fenced writes above still show each step once).
    expect(view.attempts).toBeGreaterThanOrEqual(2);
    expect(second.output()).toContain(`${job.id} stopped heartbeating`);

    // SIGTERM: the run saves at its checkpoint and hands the job back; the next worker finishes it.
    const next = await startJob(deps(), operator, steps('term', total, 50));
    await waitFor('some steps on the second worker', async () => (await count(`SELECT count(*) FROM job_test_steps WHERE job_id = $1`, next.job.id)) >= 10, 60_000);
    second.child.kill('SIGTERM');
    await second.exited;
    expect(second.child.exitCode).toBe(0);
    const released = await db.backgroundJob.findUniqueOrThrow({ where: { id: next.job.id } });
    expect(released).toMatchObject({ state: 'queued', runToken: null });
    expect(await count(`SELECT count(*) FROM job_test_steps WHERE job_id = $1`, next.job.id)).toBe(Number(released.progressDone));
    const third = spawnWorker();
    await waitFor('the handed-back job to finish', async () => (await stateOf(next.job.id)) === 'succeeded', 60_000).catch((e: Error) => {
      throw new Error(`${e.message}\nthird worker output:\n${third.output()}`);
    });
    expect(await count(`SELECT count(DISTINCT step) FROM job_test_steps WHERE job_id = $1`, next.job.id)).toBe(total);
    third.child.kill('SIGTERM');
    await third.exited;
  }, 180_000);
});
