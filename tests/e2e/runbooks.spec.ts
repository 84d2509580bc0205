// Runbooks end to end with the demo's real workers (relay, the payments consumer, traffic,
// lag sampler and the checker, 2 s intervals) against the e2e database and the real Kafka,
// with a group prefix of their own. The stoppedConsumer knob stops payments: the Overview
// shows its check CRIT; from there to its runbook and the runbook's first action takes two
// clicks (the on-call journey allows three); the runbook shows the check live and its
// steps; the action opens that group. Clearing the knob brings the check back to OK, and
// the status page, left open (it polls), shows the incident closed without a reload.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test, expect } from './support/fixtures';
import { signIn } from './support/sign-in';
import { e2eDir, stateFile, type E2eState } from './support/env';
import { DemoWorkers, putDemoKnobs, snapshotDatabase, sql, startGroupsAtEnd } from '../support/demo-workers';

const PREFIX = `e2e-rb-${randomBytes(3).toString('hex')}`;
const GROUP = `${PREFIX}.payments`;
const CHECK = 'consumer.status:payments';
let databaseUrl: string;
let workers: DemoWorkers | undefined;
let restore: (() => Promise<void>) | null = null;

test.describe.configure({ mode: 'serial' });

const checkState = async () => (await sql<{ state: string }>(databaseUrl, `SELECT state FROM check_states WHERE check_id = $1`, [CHECK]))[0]?.state ?? null;
const latestStatus = async () => (await sql<{ status: string }>(databaseUrl, `SELECT status FROM lag_samples WHERE group_id = $1 ORDER BY at DESC LIMIT 1`, [GROUP]))[0]?.status ?? null;
const setStopped = (consumer: string | null) => sql(databaseUrl, `UPDATE demo_knobs SET settings = settings || jsonb_build_object('stoppedConsumer', $1::text) WHERE id = 1`, [consumer]);

test.beforeAll(async () => {
  test.setTimeout(120_000);
  databaseUrl = (JSON.parse(readFileSync(stateFile, 'utf8')) as E2eState).databaseUrl!;
  restore = await snapshotDatabase(databaseUrl);
  await putDemoKnobs(databaseUrl, { ratePerSecond: 4, poisonShare: 0, transientFailureShare: 0, permanentFailureShare: 0, slowConsumer: null, slowMs: 0, stoppedConsumer: null, stalledConsumer: null });
  // The shared broker's demo topic holds every earlier run's orders: the new group starts at
  // its end instead of reading that history (orders this database never had) first.
  await startGroupsAtEnd(PREFIX, ['payments']);
  workers = new DemoWorkers({ databaseUrl, prefix: PREFIX, logDir: e2eDir, logPrefix: 'runbooks' });
  workers.start('relay', 'workers/outbox-relay/index.ts');
  workers.start('consumers', 'workers/demo-consumers/index.ts', { CONSUMERS: 'payments', CONSUMER_PARTITION_CONCURRENCY: '1' });
  workers.start('traffic', 'workers/traffic-generator/index.ts');
  workers.start('sampler', 'workers/lag-sampler/index.ts', { SAMPLER_INTERVAL_SECONDS: '2', SAMPLER_WINDOW_SECONDS: '30' });
  // Short interval and heartbeat limits so the checker follows the knob within seconds.
  workers.start('checks', 'workers/checks/index.ts', { CHECKS_INTERVAL_SECONDS: '2', CHECKS_HEARTBEAT_WARN_SECONDS: '20', CHECKS_HEARTBEAT_CRIT_SECONDS: '40' });
});

test.afterAll(async () => {
  test.setTimeout(60_000);
  await workers?.stopAll();
  await restore?.();
});

test('stopped consumer: Overview CRIT → runbook → its first action in two clicks; the runbook shows the check and the steps', async ({ page, users }) => {
  test.setTimeout(300_000);
  // The group must exist (have committed) before it can be judged stopped.
  await expect.poll(latestStatus, { timeout: 120_000, intervals: [2_000] }).toBe('OK');
  await expect.poll(checkState, { timeout: 30_000, intervals: [1_000] }).toBe('OK');
  await setStopped('payments');
  await expect.poll(checkState, { timeout: 180_000, intervals: [2_000] }).toBe('CRIT');

  await signIn(page, users.operator, '/');
  let clicks = 0;
  const summary = page.getByTestId('checks-summary');
  await expect(summary.getByTestId('checks-count-CRIT')).not.toHaveText(/^\D*0 CRIT/);
  const item = summary.getByTestId('checks-not-ok').locator(`li[data-check="${CHECK}"]`);
  await expect(item).toContainText('CRIT');
  await expect(item).toContainText('STOP');

  await item.getByTestId(`summary-runbook-${CHECK}`).click();
  clicks++;
  await expect(page).toHaveURL(/\/runbooks\/consumer-stalled\?check=consumer\.status%3Apayments$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Consumer stalled or stopped');
  await expect(page.getByTestId('selected-check')).toHaveText('payments');
  const live = page.getByTestId('live-checks').locator(`tr[data-check="${CHECK}"]`);
  await expect(live).toHaveAttribute('data-state', 'CRIT');
  await expect(live).toContainText(`${GROUP}: STOP`);
  const steps = page.getByTestId('runbook-steps');
  await expect(steps.getByRole('heading', { name: '1. Look at the group' })).toBeVisible();
  await expect(steps.getByRole('heading', { name: /Is it the demo.s fault knob\?/ })).toBeVisible();

  const first = steps.locator('a.action-link[data-action="consumer-group"]');
  await expect(first).toContainText('Open the lagging group');
  await first.click();
  clicks++;
  await expect(page).toHaveURL(new RegExp(`/consumers/${GROUP.replace(/\./g, '\\.')}$`));
  await expect(page.getByTestId('group-status')).toHaveAttribute('data-status', 'STOP');
  await expect(page.getByTestId('group-evidence')).toContainText('no members');
  expect(clicks).toBeLessThanOrEqual(3);
});

test('knob cleared: the check is OK, and the status page (polling, no reload) shows the incident closed', async ({ page, users }) => {
  test.setTimeout(300_000);
  await signIn(page, users.viewer, '/status');
  const incident = page.getByTestId('incidents').locator(`tr[data-check="${CHECK}"]`).first();
  await expect(incident).toHaveAttribute('data-open', 'yes');
  await expect(incident).toContainText('ongoing');
  await expect(page.getByTestId('status-consumer').locator('tr[data-entity="payments"]')).toHaveAttribute('data-state', 'CRIT');
  await expect(page.getByTestId('freshness')).toContainText(/updated \d+ s ago · every 5 s/);

  await setStopped(null);
  await expect.poll(checkState, { timeout: 180_000, intervals: [2_000] }).toBe('OK');
  // No reload: the page's own polling brings the closed incident.
  await expect(incident).toHaveAttribute('data-open', 'no', { timeout: 20_000 });
  await expect(incident).toContainText('CRIT');
  await expect(incident.locator('td').nth(5)).toHaveText(/^\d+ (s|min)/);
  await expect(page.getByTestId('status-consumer').locator('tr[data-entity="payments"]')).toHaveAttribute('data-state', /OK|WARN/);

  await page.goto('/');
  await expect(page.getByTestId('checks-summary').locator(`li[data-check="${CHECK}"]`)).toHaveCount(0);
  await page.goto(`/runbooks/consumer-stalled?check=${encodeURIComponent(CHECK)}`);
  await expect(page.getByTestId('live-checks').locator(`tr[data-check="${CHECK}"]`)).toHaveAttribute('data-state', 'OK');
});
