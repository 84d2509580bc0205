// Projections end to end: the demo's relay, the customer-stats projection consumer, the
// traffic generator and the jobs worker (drift checks scheduled every minute) run as
// child processes against the e2e database and the real Kafka, with a group prefix of
// their own. The shared broker's orders topic holds other runs' events, so the
// projection's checkpoints start at the topic's end: it applies this run's events only,
// and the log it is checked against (this database's outbox) is the whole story.
//
// 1. An operator turns the corruption knob on the projection page (confirmation,
//    audited); a viewer sees it disabled.
// 2. The on-call journey, counted: from the Overview an admin goes to the projection,
//    runs a drift check that finds the corruption, starts a rebuild (confirmation),
//    watches its progress, reviews the diff old vs new, swaps (typed confirmation) —
//    at most 5 clicks — and the next (scheduled) drift check of the new version shows
//    no drift.
// Afterwards the workers stop, the tables that were empty before this spec are emptied
// again, the rebuilt table is dropped, and the registry and knobs restored.
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Locator } from '@playwright/test';
import { createKafka } from '../../lib/adapters/kafka/kafka-client';
import { test, expect } from './support/fixtures';
import { signIn } from './support/sign-in';
import { e2eDir, stateFile, type E2eState } from './support/env';
import { DemoWorkers, putDemoKnobs, snapshotDatabase, sql, TEST_ORDERS_TOPIC } from '../support/demo-workers';
import { kafkaBrokers } from '../support/kafka';

const PREFIX = `e2e-${randomBytes(3).toString('hex')}`;
const NAME = 'customer-stats';
let databaseUrl: string;
let workers: DemoWorkers | undefined;
let restore: (() => Promise<void>) | null = null;
let registryAtStart: Array<Record<string, unknown>> = [];

test.describe.configure({ mode: 'serial' });

/** The checkpoints of version 1 at the topic's current end: this run's projection skips every earlier message. */
async function checkpointsAtTopicEnd(): Promise<void> {
  const kafka = createKafka({ brokers: kafkaBrokers(), clientId: `${PREFIX}-setup` });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = await admin.listTopics();
    if (!topics.includes(TEST_ORDERS_TOPIC)) return; // the relay creates it; nothing earlier to skip
    const offsets = await admin.fetchTopicOffsets(TEST_ORDERS_TOPIC);
    for (const o of offsets) {
      await sql(
        databaseUrl,
        `INSERT INTO projection_checkpoints (projection, topic, partition, "offset", events_applied) VALUES ($1, $2, $3, $4, 0)
         ON CONFLICT (projection, topic, partition) DO UPDATE SET "offset" = greatest(projection_checkpoints."offset", EXCLUDED."offset")`,
        [NAME, TEST_ORDERS_TOPIC, o.partition, BigInt(o.high) - 1n],
      );
    }
  } finally {
    await admin.disconnect();
  }
}

test.beforeAll(async () => {
  test.setTimeout(120_000);
  databaseUrl = (JSON.parse(readFileSync(stateFile, 'utf8')) as E2eState).databaseUrl!;
  // The registry and versions are restored below, by hand.
  restore = await snapshotDatabase(databaseUrl, ['projection_registry', 'projection_versions']);
  registryAtStart = await sql(databaseUrl, `SELECT * FROM projection_registry WHERE projection = $1`, [NAME]);
  await putDemoKnobs(databaseUrl, { ratePerSecond: 5, poisonShare: 0, transientFailureShare: 0, permanentFailureShare: 0, slowConsumer: null, slowMs: 500, stoppedConsumer: null, stalledConsumer: null });
  await checkpointsAtTopicEnd();
  workers = new DemoWorkers({ databaseUrl, prefix: PREFIX, logDir: e2eDir, logPrefix: 'projections', env: { LOG_LEVEL: 'info' } });
  workers.start('relay', 'workers/outbox-relay/index.ts');
  workers.start('consumers', 'workers/demo-consumers/index.ts', { CONSUMERS: NAME, CONSUMER_PARTITION_CONCURRENCY: '1' });
  workers.start('traffic', 'workers/traffic-generator/index.ts');
  workers.start('jobs', 'workers/jobs/index.ts', { PROJECTION_DRIFT_EVERY_MIN: '1', JOBS_POLL_MS: '200', JOBS_SWEEP_MS: '1000' });
  // Enough customers for the knob to have rows to edit.
  await expect.poll(async () => (await sql<{ n: number }>(databaseUrl, `SELECT count(*)::int AS n FROM customer_stats_v1`))[0]!.n, { timeout: 90_000, intervals: [1_000] }).toBeGreaterThanOrEqual(20);
});

test.afterAll(async () => {
  test.setTimeout(60_000);
  await workers?.stopAll();
  if (!databaseUrl) return;
  // Version 1 active again, as the migrations left it; the rebuilt versions and their tables gone.
  const versions = await sql<{ table_name: string; version: number }>(databaseUrl, `SELECT table_name, version FROM projection_versions WHERE projection = $1 AND version > 1`, [NAME]);
  for (const r of registryAtStart) {
    await sql(databaseUrl, `UPDATE projection_registry SET version = $2, active_table = $3 WHERE projection = $1`, [NAME, r.version, r.active_table]);
  }
  await sql(databaseUrl, `DELETE FROM projection_versions WHERE projection = $1 AND version > 1`, [NAME]);
  await sql(databaseUrl, `UPDATE projection_versions SET state = 'active', retired_at = NULL WHERE projection = $1 AND version = 1`, [NAME]);
  for (const v of versions) {
    if (/^[a-z0-9_]+$/.test(v.table_name)) await sql(databaseUrl, `DROP TABLE IF EXISTS ${v.table_name}`);
    await sql(databaseUrl, `DELETE FROM projection_checkpoints WHERE projection = $1`, [`${NAME}@v${v.version}`]);
  }
  await restore?.();
});

test('the corruption knob on the projection page: operator with a confirmation, audited; a viewer cannot', async ({ page, users, browser }) => {
  await signIn(page, users.operator, `/projections/${NAME}`);
  await page.getByTestId('action-corrupt').click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('Demo only');
  await dialog.getByLabel('Rows to edit').fill('8');
  await dialog.getByRole('button', { name: 'Corrupt rows' }).click();
  await expect(dialog).toBeHidden();
  const [audit] = await sql<{ actor_email: string; details: { changed: number; deleted: number; added: number } }>(
    databaseUrl,
    `SELECT actor_email, details FROM audit_log WHERE action = 'demo.projection.corrupt' ORDER BY at DESC LIMIT 1`,
  );
  expect(audit?.actor_email).toBe(users.operator.email);
  expect(audit?.details).toMatchObject({ changed: 8, deleted: 4, added: 4 });

  const viewerContext = await browser.newContext();
  const viewer = await viewerContext.newPage();
  try {
    await signIn(viewer, users.viewer, `/projections/${NAME}`);
    await expect(viewer.getByTestId('action-corrupt')).toBeDisabled();
    await expect(viewer.getByTestId('action-corrupt')).toHaveAttribute('title', 'needs the operator role');
  } finally {
    await viewerContext.close();
  }
});

/**
 * The knob's corruption as a drift report counts it: the rows it made up are extra, and the
 * rows it changed or deleted are different or missing. Under live traffic a deleted
 * customer's next order re-creates its row with partial counts, so a deleted row can count
 * as different instead of missing (the clean CI run saw "0 missing, 4 extra, 12 different"
 * for 4 deleted and 8 changed).
 */
async function expectKnobDrift(counts: Locator): Promise<void> {
  await expect(counts).toContainText(/\d+ missing, [1-9]\d* extra, \d+ different/);
  const [, missing, different] = /(\d+) missing, \d+ extra, (\d+) different/.exec((await counts.textContent()) ?? '')!;
  expect(Number(missing) + Number(different)).toBeGreaterThanOrEqual(8);
}

test('Overview → drift found → rebuilt and swapped in at most 5 clicks, then drift 0', async ({ page, users }) => {
  test.setTimeout(300_000);
  let clicks = 0;
  const click = async (target: Locator) => {
    clicks += 1;
    await target.click({ timeout: 30_000 });
  };
  await signIn(page, users.admin, '/');

  // 1: the Overview's projections tile → the projection.
  await click(page.getByTestId('projections-tile').getByRole('link', { name: NAME }));
  await expect(page).toHaveURL(new RegExp(`/projections/${NAME}$`));
  await expect(page.getByTestId('active-version')).toContainText('v1');

  // 2: drift check (read-only: no confirmation) → the corruption is found, with samples.
  await click(page.getByTestId('action-drift'));
  const lastDrift = page.getByTestId('last-drift');
  await expect(lastDrift).toContainText('% drift', { timeout: 60_000 });
  await expectKnobDrift(page.getByTestId('drift-report-counts'));
  await expect(page.getByTestId('drift-report')).toContainText('orders_placed');

  // 3, 4: rebuild and its confirmation; the progress bar shows while it runs.
  await click(page.getByTestId('action-rebuild'));
  await click(page.getByRole('dialog').getByRole('button', { name: 'Start rebuild' }));
  const progress = page.getByTestId('active-job').getByTestId('job-progress');
  await expect(progress).toBeVisible();
  await expect(page.getByTestId('projection-state')).toContainText('rebuilding');

  // Review the diff old vs new: the rebuilt table lacks what the knob made up and has what it deleted.
  const swap = page.getByTestId('swap-panel');
  await expect(swap).toBeVisible({ timeout: 120_000 });
  await expectKnobDrift(swap.getByTestId('rebuild-diff-counts'));
  await expect(swap).toContainText('Rebuilt v2');

  // 5: swap, confirmed by typing the projection's name.
  await swap.getByLabel(`Type ${NAME} to make v2 active`).fill(NAME);
  await click(swap.getByTestId('swap-button'));
  await expect(page.getByTestId('active-version')).toContainText('v2', { timeout: 30_000 });
  expect(clicks).toBeLessThanOrEqual(5);

  // The next drift check (scheduled every minute) of v2, under live traffic: no drift.
  await expect(lastDrift).toContainText(/no drift.*v2,/, { timeout: 150_000 });
  const [report] = await sql<{ version: number; missing: string; extra: string; different: string; rows_compared: string }>(
    databaseUrl,
    `SELECT version, missing, extra, different, rows_compared FROM drift_reports WHERE projection = $1 ORDER BY started_at DESC LIMIT 1`, [NAME],
  );
  expect(report).toMatchObject({ version: 2, missing: '0', extra: '0', different: '0' });
  expect(Number(report!.rows_compared)).toBeGreaterThan(0);
  const [job] = await sql<{ state: string; progress_done: string }>(databaseUrl, `SELECT state::text, progress_done FROM background_jobs WHERE kind = 'projection.rebuild' ORDER BY created_at DESC LIMIT 1`);
  expect(job).toMatchObject({ state: 'succeeded' });
  expect(Number(job!.progress_done)).toBeGreaterThan(0);
});
