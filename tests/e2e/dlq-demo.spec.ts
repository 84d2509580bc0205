// The DLQ journey on the demo system itself: the real relay, demo consumers (payments,
// shipping, the order-summary projection), traffic generator and jobs worker run as
// child processes against the e2e database and the shared broker, with a group prefix of
// their own whose offsets start at the end of the topics (earlier runs' events are not
// ours). With the demo's injected permanent failures on, shipping dead-letters some
// events; an operator turns the fault off on the Overview's knobs panel, then goes
// Overview DLQ tile → shipping's failure group → Preview → Replay → confirm (5 clicks),
// watches the progress bar, and sees the open count fall to 0 and every order of the
// group reach dispatched in the order_summary projection.
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { test, expect } from './support/fixtures';
import { signIn } from './support/sign-in';
import { e2eDir, stateFile, type E2eState } from './support/env';
import { DemoWorkers, putDemoKnobs, snapshotDatabase, sql, startGroupsAtEnd } from '../support/demo-workers';

const PREFIX = `e2e-dlqdemo-${randomBytes(3).toString('hex')}`;
const CONSUMERS = ['payments', 'shipping', 'order-summary'];
const SHIPPING_CAUSE = 'Injected permanent failure in shipping';
let databaseUrl: string;
let workers: DemoWorkers | undefined;
let restore: (() => Promise<void>) | null = null;

test.describe.configure({ mode: 'serial' });

const setKnobs = (patch: Record<string, unknown>) => sql(databaseUrl, `UPDATE demo_knobs SET settings = settings || $1::jsonb WHERE id = 1`, [JSON.stringify(patch)]);

const shippingRows = () =>
  sql<{ status: string; subject: string; event_type: string }>(
    databaseUrl,
    `SELECT status, subject, event_type FROM dlq_messages WHERE consumer = 'shipping' AND error_message LIKE $1`, [`${SHIPPING_CAUSE}%`]);

/** Orders of the shipping group not yet dispatched in the order_summary projection. */
async function undispatched(subjects: string[]): Promise<number> {
  const [row] = await sql<{ n: string }>(
    databaseUrl,
    `SELECT count(*) AS n FROM unnest($1::uuid[]) AS s(id) LEFT JOIN order_summary_v1 o ON o.order_id = s.id WHERE o.dispatched_at IS NULL`, [subjects]);
  return Number(row!.n);
}

test.beforeAll(async () => {
  test.setTimeout(240_000);
  databaseUrl = (JSON.parse(readFileSync(stateFile, 'utf8')) as E2eState).databaseUrl!;
  restore = await snapshotDatabase(databaseUrl);
  // The demo's injected permanent failures on (every demo consumer, shipping included), nothing else.
  await putDemoKnobs(databaseUrl, { ratePerSecond: 3, poisonShare: 0, transientFailureShare: 0, permanentFailureShare: 0.2, slowConsumer: null, slowMs: 0, stoppedConsumer: null, stalledConsumer: null });
  await startGroupsAtEnd(PREFIX, CONSUMERS);
  workers = new DemoWorkers({ databaseUrl, prefix: PREFIX, logDir: e2eDir, logPrefix: 'dlqdemo' });
  workers.start('relay', 'workers/outbox-relay/index.ts');
  workers.start('consumers', 'workers/demo-consumers/index.ts', { CONSUMERS: CONSUMERS.join(','), CONSUMER_PARTITION_CONCURRENCY: '2' });
  workers.start('traffic', 'workers/traffic-generator/index.ts');
  workers.start('jobs', 'workers/jobs/index.ts', { LOG_LEVEL: 'info', JOBS_POLL_MS: '200', JOBS_SWEEP_MS: '500', JOBS_HEARTBEAT_MS: '500', JOBS_STALE_AFTER_MS: '5000' });
  // Enough of shipping's dead letters, some of them orders that never got dispatched.
  await expect
    .poll(async () => {
      const rows = await shippingRows();
      return rows.length >= 6 && rows.some((r) => r.event_type === 'payments.PaymentAuthorized');
    }, { timeout: 180_000, intervals: [2_000] })
    .toBe(true);
  // Traffic stops; what is in flight settles (everything published, shipping's count steady).
  await setKnobs({ ratePerSecond: 0 });
  let last = -1;
  await expect
    .poll(async () => {
      const [pending] = await sql<{ n: string }>(databaseUrl, `SELECT count(*) AS n FROM outbox_events WHERE published_at IS NULL`);
      const now = (await shippingRows()).length;
      const steady = now === last && Number(pending!.n) === 0;
      last = now;
      return steady;
    }, { timeout: 60_000, intervals: [3_000] })
    .toBe(true);
});

test.afterAll(async () => {
  test.setTimeout(60_000);
  await workers?.stopAll();
  await restore?.();
});

test('an operator turns the fault off and replays shipping’s failure group from the Overview in 5 clicks; the orders get dispatched', async ({ page, users }) => {
  test.setTimeout(240_000);
  const before = await shippingRows();
  const subjects = [...new Set(before.map((r) => r.subject))];
  expect(before.every((r) => r.status === 'open')).toBe(true);
  expect(await undispatched(subjects)).toBeGreaterThan(0);

  await signIn(page, users.operator, '/');
  // Turn the injected permanent failures off (the Overview's knobs panel).
  await page.getByText('Demo fault knobs').click();
  await page.getByLabel('Share of permanent handler failures').fill('0');
  await page.getByRole('form', { name: 'Demo fault knobs' }).getByRole('button', { name: 'Apply' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();
  await page.waitForTimeout(2_000); // workers re-read the knobs every second

  let clicks = 0;
  await page.getByTestId('tile-dlq').click(); clicks++;
  const row = page.getByTestId('dlq-causes').getByRole('row').filter({ hasText: SHIPPING_CAUSE });
  await expect(row).toContainText(`${before.length} / ${before.length}`);
  await row.getByTestId('dlq-cause-link').click(); clicks++;
  await expect(page.getByTestId('cause-open-count')).toContainText(`${before.length} open`);
  await page.getByTestId('replay-preview').click(); clicks++;
  const preview = page.getByTestId('replay-preview-result');
  await expect(preview).toContainText(`${before.length} open messages`);
  await expect(preview).toContainText('shipping');
  await page.getByTestId('replay-start').click(); clicks++;
  await page.getByRole('dialog', { name: `Replay ${before.length} messages` }).getByRole('button', { name: 'Replay', exact: true }).click(); clicks++;
  expect(clicks).toBeLessThanOrEqual(5);

  const job = page.getByTestId('replay-job');
  await expect(job.getByRole('progressbar')).toBeVisible();
  await expect(job).toContainText('succeeded', { timeout: 120_000 });
  await expect(job.getByRole('progressbar')).toHaveAttribute('aria-valuenow', String(before.length));
  await page.reload();
  await expect(page.getByTestId('cause-open-count')).toContainText(`0 open of ${before.length}`);
  expect((await shippingRows()).every((r) => r.status === 'resolved')).toBe(true);
  await expect.poll(() => undispatched(subjects), { timeout: 60_000 }).toBe(0);
});
