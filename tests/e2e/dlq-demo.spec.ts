// The DLQ journey on the demo system itself: the real relay, demo consumers (payments,
// shipping, the order-summary projection), traffic generator and jobs worker run as
// child processes against the e2e database and the shared broker, with a group prefix of
// their own whose offsets start at the end of the topics (earlier runs' events are not
// ours). With the demo's injected permanent failures on, shipping dead-letters some
// events; an operator turns the fault off on the Overview's knobs panel, then goes
// Overview DLQ tile → shipping's failure group → Preview → Replay → confirm (5 clicks),
// watches the progress bar, and sees the open count fall to 0 and every order of the
// group reach dispatched in the order_summary projection.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { createKafka, ensureTopics } from '../../lib/adapters/kafka/kafka-client';
import { replayTopicOf } from '../../lib/backbone/consumer-definition';
import { demoTopics } from '../../lib/demo/topics';
import { test, expect } from './support/fixtures';
import { signIn } from './support/sign-in';
import { e2eDir, repoRoot, stateFile, type E2eState } from './support/env';

const PREFIX = `e2e-dlqdemo-${randomBytes(3).toString('hex')}`;
const CONSUMERS = ['payments', 'shipping', 'order-summary'];
const SHIPPING_CAUSE = 'Injected permanent failure in shipping';
const children: ChildProcess[] = [];
const emptyAtStart: string[] = [];
let knobsAtStart: unknown = null;
let databaseUrl: string;

test.describe.configure({ mode: 'serial' });

async function sql<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

function startWorker(name: string, file: string, env: Record<string, string>): void {
  const log = openSync(path.join(e2eDir, `dlqdemo-${name}.log`), 'w');
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    cwd: repoRoot,
    env: { ...process.env, NODE_ENV: 'production', DATABASE_URL: databaseUrl, KAFKA_BROKERS: '127.0.0.1:9092', KAFKA_GROUP_PREFIX: PREFIX, LOG_LEVEL: 'warn', ...env },
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  children.push(child);
}

async function stopWorkers(): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.pid === undefined) return resolve();
          const kill = setTimeout(() => {
            try { process.kill(-c.pid!, 'SIGKILL'); } catch { /* gone */ }
          }, 10_000);
          c.once('exit', () => { clearTimeout(kill); resolve(); });
          try { process.kill(-c.pid, 'SIGTERM'); } catch { resolve(); }
        }),
    ),
  );
}

/** Our groups start at the current end of the demo topic and of their replay topics. */
async function startGroupsAtEnd(): Promise<void> {
  const kafka = createKafka({ brokers: ['127.0.0.1:9092'], clientId: `${PREFIX}-setup` });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, [...demoTopics(6), ...CONSUMERS.map((c) => ({ topic: replayTopicOf(c), partitions: 3 }))]);
    for (const consumer of CONSUMERS) {
      for (const topic of [demoTopics(6)[0]!.topic, replayTopicOf(consumer)]) {
        const ends = await admin.fetchTopicOffsets(topic);
        await admin.setOffsets({ groupId: `${PREFIX}.${consumer}`, topic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })) });
      }
    }
  } finally {
    await admin.disconnect();
  }
}

const setKnobs = (patch: Record<string, unknown>) => sql(`UPDATE demo_knobs SET settings = settings || $1::jsonb WHERE id = 1`, [JSON.stringify(patch)]);

const shippingRows = () =>
  sql<{ status: string; subject: string; event_type: string }>(
    `SELECT status, subject, event_type FROM dlq_messages WHERE consumer = 'shipping' AND error_message LIKE $1`, [`${SHIPPING_CAUSE}%`]);

/** Orders of the shipping group not yet dispatched in the order_summary projection. */
async function undispatched(subjects: string[]): Promise<number> {
  const [row] = await sql<{ n: string }>(
    `SELECT count(*) AS n FROM unnest($1::uuid[]) AS s(id) LEFT JOIN order_summary_v1 o ON o.order_id = s.id WHERE o.dispatched_at IS NULL`, [subjects]);
  return Number(row!.n);
}

test.beforeAll(async () => {
  test.setTimeout(240_000);
  databaseUrl = (JSON.parse(readFileSync(stateFile, 'utf8')) as E2eState).databaseUrl!;
  const keep = ['users', 'audit_log', 'sign_in_throttle', 'api_tokens', '_prisma_migrations', 'demo_knobs'];
  const tables = await sql<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND NOT (tablename = ANY($1))`, [keep]);
  for (const { tablename } of tables) {
    const [row] = await sql<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM "${tablename}") AS any`);
    if (!row?.any) emptyAtStart.push(tablename);
  }
  knobsAtStart = (await sql<{ settings: unknown }>(`SELECT settings FROM demo_knobs WHERE id = 1`))[0]?.settings ?? null;
  // The demo's injected permanent failures on (every demo consumer, shipping included), nothing else.
  await sql(`INSERT INTO demo_knobs (id, settings) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET settings = EXCLUDED.settings`, [
    JSON.stringify({ ratePerSecond: 3, poisonShare: 0, transientFailureShare: 0, permanentFailureShare: 0.2, slowConsumer: null, slowMs: 0, stoppedConsumer: null, stalledConsumer: null }),
  ]);
  await startGroupsAtEnd();
  startWorker('relay', 'workers/outbox-relay/index.ts', {});
  startWorker('consumers', 'workers/demo-consumers/index.ts', { CONSUMERS: CONSUMERS.join(','), CONSUMER_PARTITION_CONCURRENCY: '2' });
  startWorker('traffic', 'workers/traffic-generator/index.ts', {});
  startWorker('jobs', 'workers/jobs/index.ts', { LOG_LEVEL: 'info', JOBS_POLL_MS: '200', JOBS_SWEEP_MS: '500', JOBS_HEARTBEAT_MS: '500', JOBS_STALE_AFTER_MS: '5000' });
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
      const [pending] = await sql<{ n: string }>(`SELECT count(*) AS n FROM outbox_events WHERE published_at IS NULL`);
      const now = (await shippingRows()).length;
      const steady = now === last && Number(pending!.n) === 0;
      last = now;
      return steady;
    }, { timeout: 60_000, intervals: [3_000] })
    .toBe(true);
});

test.afterAll(async () => {
  test.setTimeout(60_000);
  await stopWorkers();
  if (!databaseUrl) return;
  if (emptyAtStart.length) await sql(`TRUNCATE ${emptyAtStart.map((t) => `"${t}"`).join(', ')}`);
  if (knobsAtStart === null) await sql(`DELETE FROM demo_knobs`);
  else await sql(`UPDATE demo_knobs SET settings = $1 WHERE id = 1`, [JSON.stringify(knobsAtStart)]);
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
