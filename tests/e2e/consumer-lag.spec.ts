// Consumer lag end to end: the demo's relay, consumers (two of them), traffic generator and
// lag sampler (2 s interval, 30 s window) run as child processes against the e2e database
// and the real Kafka, with a group prefix of their own. The slow-consumer knob turns its
// group WARN on the Overview, its page shows lag rising and seconds behind; the stopped
// knob turns a group STOP with its evidence; an API token reads /api/metrics, no token → 401.
// Afterwards the workers stop and the tables that were empty before this spec are emptied
// again, and the knobs restored, so later specs see the database they expect (rows seeded
// by migrations, users, audit log and tokens stay).
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { request as playwrightRequest } from '@playwright/test';
import { test, expect } from './support/fixtures';
import { signIn } from './support/sign-in';
import { e2eBaseUrl, e2eDir, stateFile, type E2eState } from './support/env';
import { DemoWorkers, putDemoKnobs, snapshotDatabase, sql, startGroupsAtEnd } from '../support/demo-workers';

const PREFIX = `e2e-${randomBytes(3).toString('hex')}`;
const SLOW = `${PREFIX}.notifications`;
const STOPPED = `${PREFIX}.payments`;
let databaseUrl: string;
let workers: DemoWorkers | undefined;
let restore: (() => Promise<void>) | null = null;

test.describe.configure({ mode: 'serial' });

async function latest(group: string) {
  const rows = await sql<{ status: string; evidence: string; lag: string | null; seconds_behind: number | null }>(
    databaseUrl,
    `SELECT status, evidence, lag, seconds_behind FROM lag_samples WHERE group_id = $1 ORDER BY at DESC LIMIT 1`,
    [group],
  );
  return rows[0] ?? null;
}

test.beforeAll(async () => {
  test.setTimeout(120_000);
  databaseUrl = (JSON.parse(readFileSync(stateFile, 'utf8')) as E2eState).databaseUrl!;
  restore = await snapshotDatabase(databaseUrl);
  // Knobs first, so the workers start with them: steady traffic, no faults but the slow consumer.
  await putDemoKnobs(databaseUrl, { ratePerSecond: 4, poisonShare: 0, transientFailureShare: 0, permanentFailureShare: 0, slowConsumer: 'notifications', slowMs: 1500, stoppedConsumer: null, stalledConsumer: null });
  // Our groups skip every earlier spec's events: while the slow group caught up with them its
  // lag would fall (the clean CI run saw 1762 → 1758 with the slow consumer on).
  await startGroupsAtEnd(PREFIX, ['payments', 'notifications']);
  workers = new DemoWorkers({ databaseUrl, prefix: PREFIX, logDir: e2eDir, logPrefix: 'lag' });
  workers.start('relay', 'workers/outbox-relay/index.ts');
  workers.start('consumers', 'workers/demo-consumers/index.ts', { CONSUMERS: 'payments,notifications', CONSUMER_PARTITION_CONCURRENCY: '1' });
  workers.start('traffic', 'workers/traffic-generator/index.ts');
  workers.start('sampler', 'workers/lag-sampler/index.ts', { SAMPLER_INTERVAL_SECONDS: '2', SAMPLER_WINDOW_SECONDS: '30' });
});

test.afterAll(async () => {
  test.setTimeout(60_000);
  await workers?.stopAll();
  await restore?.();
});

test('slow consumer: WARN on the Overview, its page shows lag rising and seconds behind', async ({ page, users }) => {
  test.setTimeout(240_000);
  await expect.poll(async () => (await latest(SLOW))?.status, { timeout: 180_000, intervals: [2_000] }).toBe('WARN');

  await signIn(page, users.viewer, '/');
  const tiles = page.getByTestId('consumer-tiles');
  await expect(tiles.getByTestId('tile-status-WARN')).toBeVisible({ timeout: 15_000 });
  // Overview tile → Consumers (sorted by seconds behind) → the group: the on-call journey.
  await tiles.getByTestId('tile-groups').click();
  await expect(page).toHaveURL(/\/consumers$/);
  await expect(page.getByTestId(`status-${SLOW}`)).toHaveAttribute('data-status', 'WARN', { timeout: 15_000 });
  await page.getByRole('link', { name: SLOW, exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/consumers/${SLOW.replace('.', '\\.')}`));
  await page.getByRole('button', { name: '15m' }).click();
  await expect(page).toHaveURL(/window=15m/);
  await expect(page.getByTestId('group-seconds')).toHaveText(/\d+ (s|min)/);
  await expect(page.getByTestId('group-evidence')).toContainText('lag grew from');
  const summary = page.getByTestId('group-charts').getByText(/^Lag went from \d+ to \d+ messages/);
  await expect(summary).toBeVisible();
  const [, from, to] = /Lag went from (\d+) to (\d+)/.exec((await summary.textContent()) ?? '')!;
  expect(Number(to)).toBeGreaterThan(Number(from));
  await expect(page.getByTestId('partitions-table')).toContainText('orders.lifecycle.v1');
});

test('stopped consumer: STOP with its evidence', async ({ page, users }) => {
  test.setTimeout(240_000);
  await sql(databaseUrl, `UPDATE demo_knobs SET settings = settings || '{"stoppedConsumer": "payments"}'::jsonb WHERE id = 1`);
  await expect.poll(async () => (await latest(STOPPED))?.status, { timeout: 180_000, intervals: [2_000] }).toBe('STOP');
  await signIn(page, users.viewer, `/consumers?status=STOP`);
  await expect(page.getByTestId(`status-${STOPPED}`)).toHaveAttribute('data-status', 'STOP', { timeout: 15_000 });
  await page.goto(`/consumers/${STOPPED}`);
  await expect(page.getByTestId('group-evidence')).toHaveText(/^STOP: no commit for .+ while lag is \d+ and the group has no members$/);
});

test('an API token reads /api/metrics; without one the answer is 401', async ({ page, users }) => {
  await signIn(page, users.admin, '/settings/tokens');
  await page.getByLabel('Name (what uses it)').fill('prometheus-e2e');
  await page.getByRole('button', { name: 'Create read-only token' }).click();
  const token = (await page.getByTestId('new-token-value').textContent())!.trim();
  expect(token).toMatch(/^sbx_/);

  const anonymous = await playwrightRequest.newContext({ baseURL: e2eBaseUrl() });
  try {
    const denied = await anonymous.get('/api/metrics');
    expect(denied.status()).toBe(401);
    const scraped = await anonymous.get('/api/metrics', { headers: { authorization: `Bearer ${token}` } });
    expect(scraped.status()).toBe(200);
    const text = await scraped.text();
    expect(text).toContain(`signalbox_consumer_lag_messages{group="${SLOW}"}`);
    expect(text).toContain(`signalbox_consumer_status{group="${STOPPED}",status="STOP"} 1`);
    expect(text).toMatch(/signalbox_sampler_age_seconds \d/);
    const api = await anonymous.get(`/api/consumers/${SLOW}?window=15m`, { headers: { authorization: `Bearer ${token}` } });
    expect(api.status()).toBe(200);
    expect(((await api.json()) as { group: { groupId: string } }).group.groupId).toBe(SLOW);
    expect((await anonymous.get('/api/tokens', { headers: { authorization: `Bearer ${token}` } })).status()).toBe(401);

    await page.getByRole('row', { name: /prometheus-e2e/ }).getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await expect(page.getByRole('row', { name: /prometheus-e2e/ })).toContainText('revoked');
    expect((await anonymous.get('/api/metrics', { headers: { authorization: `Bearer ${token}` } })).status()).toBe(401);
  } finally {
    await anonymous.dispose();
  }
});
