// Background jobs in the console: an operator starts a demo.count job through the API,
// watches it run on its page (progress bar from a real jobs worker), pauses it, resumes
// it and cancels it with the typed confirmation; a viewer sees a job but gets no
// controls, and the API refuses the viewer's pause with 403. The jobs worker
// (workers/jobs) runs as a child process against the e2e database for this file.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { openSync, closeSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect } from './support/fixtures';
import { signIn } from './support/sign-in';
import { e2eDir, repoRoot, stateFile } from './support/env';
import { createDb, type Db } from '../../lib/adapters/prisma/client';
import { startJob } from '../../lib/app/start-job';
import { cancelJob } from '../../lib/app/cancel-job';
import { jobKindRegistry } from '../../lib/jobs/kinds';
import type { SessionUser } from '../../lib/domain/session-user';

const databaseUrl = () => (JSON.parse(readFileSync(stateFile, 'utf8')) as { databaseUrl: string }).databaseUrl;
const run = randomUUID().slice(0, 8);

let worker: ChildProcess | undefined;
let db: Db;

function startWorker(): ChildProcess {
  const logFd = openSync(path.join(e2eDir, 'jobs-worker.log'), 'w');
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/jobs/index.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl(),
      LOG_LEVEL: 'info',
      JOBS_POLL_MS: '200',
      JOBS_SWEEP_MS: '500',
      JOBS_HEARTBEAT_MS: '500',
      JOBS_STALE_AFTER_MS: '5000',
      JOBS_SHUTDOWN_TIMEOUT_MS: '2000',
    },
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  return child;
}

async function stopWorker(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function actor(email: string): Promise<SessionUser> {
  const user = await db.user.findUniqueOrThrow({ where: { email } });
  return { id: user.id, email: user.email, name: user.name, role: user.role as SessionUser['role'] };
}

const progress = (page: Page) => page.getByRole('progressbar', { name: 'Job progress' });
const progressNow = async (page: Page) => Number(await progress(page).getAttribute('aria-valuenow'));
const stateBadge = (page: Page) => page.getByTestId('job-state');

test.describe('jobs', () => {
  test.describe.configure({ timeout: 90_000 });

  test.beforeAll(async () => {
    db = createDb(databaseUrl(), { poolSize: 2 });
    worker = startWorker();
  });

  test.afterAll(async () => {
    await stopWorker(worker);
    await db?.$disconnect();
  });

  test('an operator watches a job run, pauses, resumes and cancels it', async ({ page, users }) => {
    await signIn(page, users.operator, '/jobs');
    const label = `e2e-op-${run}`;
    const res = await page.request.post('/api/jobs', {
      data: { kind: 'demo.count', params: { to: 2000, stepMs: 50, label }, idempotencyKey: `e2e-${label}` },
    });
    expect(res.status()).toBe(201);
    const { job } = (await res.json()) as { job: { id: string; scope: string } };
    expect(job.scope).toBe(`demo:count:${label}`);

    // The list shows it (state badge and progress bar), filtered by its scope through the URL.
    await page.goto(`/jobs?scope=${encodeURIComponent(job.scope)}`);
    const row = page.getByTestId('jobs-table').getByRole('row', { name: new RegExp(job.scope) });
    await expect(row).toBeVisible();
    await expect(row.getByRole('progressbar')).toBeVisible();
    await row.getByRole('link', { name: 'demo.count' }).click();
    await expect(page).toHaveURL(`/jobs/${job.id}`);

    // The worker claims it and the progress bar moves.
    await expect(stateBadge(page)).toContainText('running', { timeout: 20_000 });
    await expect(progress(page)).toHaveAttribute('aria-valuemax', '2000');
    await expect.poll(() => progressNow(page), { timeout: 15_000 }).toBeGreaterThan(5);

    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await expect(stateBadge(page)).toContainText('paused');
    // Paused means stopped: after the run lets go (at most one step), the count stands still.
    await page.waitForTimeout(1_500);
    const pausedAt = await progressNow(page);
    await page.waitForTimeout(2_000);
    expect(await progressNow(page)).toBe(pausedAt);

    await page.getByRole('button', { name: 'Resume' }).click();
    await expect(stateBadge(page)).toContainText(/queued|running/);
    await expect.poll(() => progressNow(page), { timeout: 20_000 }).toBeGreaterThan(pausedAt);
    await expect(stateBadge(page)).toContainText('running');

    // Cancel asks for the scope to be typed before the button works; Escape backs out.
    await page.getByRole('button', { name: 'Cancel job…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Cancel this job?' });
    await expect(dialog).toBeVisible();
    const confirm = dialog.getByRole('button', { name: 'Cancel job' });
    await expect(confirm).toBeDisabled();
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await page.getByRole('button', { name: 'Cancel job…' }).click();
    await expect(dialog.getByLabel(/Type .* to confirm/)).toBeFocused();
    await dialog.getByLabel(/Type .* to confirm/).fill(job.scope.slice(0, -1));
    await expect(confirm).toBeDisabled();
    await dialog.getByLabel(/Type .* to confirm/).fill(job.scope);
    await expect(confirm).toBeEnabled();
    await confirm.click();
    await expect(stateBadge(page)).toContainText('cancelled', { timeout: 15_000 });

    // Every step is in the audit log, on the job's page and under Audit.
    const audit = page.getByTestId('job-audit');
    for (const action of ['job.start', 'job.pause', 'job.resume', 'job.cancel']) await expect(audit).toContainText(action);
    await page.getByRole('link', { name: /Open these records in Audit/ }).click();
    await expect(page.getByRole('main').getByRole('table')).toContainText('job.cancel');
  });

  test('a viewer sees a job but no controls, and the API refuses a pause with 403', async ({ page, users }) => {
    // Started the way the CLI would, without a queue: the worker's sweep delivers it.
    const { job } = await startJob({ db, kinds: jobKindRegistry() }, await actor(users.operator.email), {
      kind: 'demo.count',
      params: { to: 100_000, stepMs: 200, label: `e2e-viewer-${run}` },
    });
    try {
      await signIn(page, users.viewer, `/jobs/${job.id}`);
      await expect(stateBadge(page)).toContainText('running', { timeout: 20_000 });
      await expect(progress(page)).toBeVisible();
      await expect(page.getByText('Pausing, resuming and cancelling this job needs the operator role.')).toBeVisible();
      await expect(page.getByRole('button', { name: 'Pause', exact: true })).toHaveCount(0);
      await expect(page.getByRole('button', { name: 'Cancel job…' })).toHaveCount(0);

      const res = await page.request.post(`/api/jobs/${job.id}/pause`);
      expect(res.status()).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('forbidden');
      // The viewer may read it through the API.
      const read = await page.request.get(`/api/jobs/${job.id}`);
      expect(read.status()).toBe(200);
      expect(((await read.json()) as { state: string }).state).toBe('running');
    } finally {
      await cancelJob({ db, kinds: jobKindRegistry() }, await actor(users.operator.email), job.id);
    }
  });
});
