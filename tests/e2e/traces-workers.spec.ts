// Trace timeline with the real system: the demo orders API, the outbox relay, the payments
// consumer and the jobs worker run as child processes against the e2e database and the
// real Kafka (as tests/e2e/consumer-lag.spec.ts starts them), with a group prefix of their
// own. The permanent-failure knob is on: an order placed through the orders API is
// dead-lettered by payments. An operator pastes the order id into the header search on
// another page, sees the failed step with its reason, turns to the replay from the
// timeline (trace-filtered DLQ replay, run by the jobs worker through payments' replay
// topic, the knob now off), and back on the timeline sees the replayed successful attempt
// and the event it wrote. Then every id of that order, pasted on a different page each
// time, opens the timeline within 3 s (a loose bound on the real clock; the speed itself
// is measured by `npm run bench -- trace`).
//
// Afterwards the workers stop, the tables that were empty before this spec are emptied
// again and the knobs restored (as consumer-lag.spec.ts does).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { test, expect } from './support/fixtures';
import { signIn } from './support/sign-in';
import { e2eDir, repoRoot, stateFile, type E2eState } from './support/env';
import { createKafka, ensureTopics } from '../../lib/adapters/kafka/kafka-client';
import { demoTopics } from '../../lib/demo/topics';
import { replayTopicOf } from '../../lib/backbone/consumer-definition';

const PREFIX = `e2e-tr-${randomBytes(3).toString('hex')}`;
const BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const ORDERS_PORT = 31_000 + Math.floor(Math.random() * 2_000);
const children: ChildProcess[] = [];
let databaseUrl: string;
const emptyAtStart: string[] = [];
let knobsAtStart: unknown = null;
let orderId: string;
let traceId: string;

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
  const log = openSync(path.join(e2eDir, `traces-${name}.log`), 'w');
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    cwd: repoRoot,
    env: { ...process.env, NODE_ENV: 'production', DATABASE_URL: databaseUrl, KAFKA_BROKERS: BROKERS, KAFKA_GROUP_PREFIX: PREFIX, LOG_LEVEL: 'warn', ...env },
    detached: true, // own process group: stopped with everything it forks
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

const knobs = (permanentFailureShare: number) =>
  JSON.stringify({ ratePerSecond: 0, poisonShare: 0, transientFailureShare: 0, permanentFailureShare, slowConsumer: null, slowMs: 0, stoppedConsumer: null, stalledConsumer: null });

/**
 * The topics are shared with every other run on this broker: a new group would start from
 * their beginning and chew through other databases' orders first. Its offsets are put at
 * the topics' current end before the consumer joins (what a group that has caught up has).
 */
async function startGroupAtEnd(group: string, topics: Array<{ topic: string; partitions: number }>): Promise<void> {
  const kafka = createKafka({ brokers: BROKERS.split(','), clientId: `${PREFIX}-setup` });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, topics);
    // Explicit offsets: kafkajs's resetOffsets commits -1 ("latest"), which a joining consumer
    // reads as no offset and then starts from the beginning after all.
    for (const { topic } of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      await admin.setOffsets({ groupId: group, topic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })) });
    }
  } finally {
    await admin.disconnect();
  }
}

test.beforeAll(async () => {
  test.setTimeout(120_000);
  databaseUrl = (JSON.parse(readFileSync(stateFile, 'utf8')) as E2eState).databaseUrl!;
  const keep = ['users', 'audit_log', 'sign_in_throttle', 'api_tokens', '_prisma_migrations', 'demo_knobs'];
  const tables = await sql<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND NOT (tablename = ANY($1))`, [keep]);
  for (const { tablename } of tables) {
    const [row] = await sql<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM "${tablename}") AS any`);
    if (!row?.any) emptyAtStart.push(tablename);
  }
  knobsAtStart = (await sql<{ settings: unknown }>(`SELECT settings FROM demo_knobs WHERE id = 1`))[0]?.settings ?? null;
  // Every delivery to a demo consumer fails permanently (→ dead-lettered at once); no generated traffic.
  await sql(`INSERT INTO demo_knobs (id, settings) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET settings = EXCLUDED.settings`, [knobs(1)]);
  await startGroupAtEnd(`${PREFIX}.payments`, [...demoTopics(6), { topic: replayTopicOf('payments'), partitions: 3 }]);
  startWorker('orders-api', 'workers/orders-api/index.ts', { ORDERS_API_PORT: String(ORDERS_PORT) });
  startWorker('relay', 'workers/outbox-relay/index.ts', {});
  startWorker('consumers', 'workers/demo-consumers/index.ts', { CONSUMERS: 'payments', CONSUMER_PARTITION_CONCURRENCY: '1' });
  startWorker('jobs', 'workers/jobs/index.ts', { JOBS_POLL_MS: '200', JOBS_SWEEP_MS: '500', JOBS_HEARTBEAT_MS: '500', JOBS_STALE_AFTER_MS: '5000' });
});

test.afterAll(async () => {
  test.setTimeout(60_000);
  await stopWorkers();
  if (!databaseUrl) return;
  if (emptyAtStart.length) await sql(`TRUNCATE ${emptyAtStart.map((t) => `"${t}"`).join(', ')}`);
  if (knobsAtStart === null) await sql(`DELETE FROM demo_knobs`);
  else await sql(`UPDATE demo_knobs SET settings = $1 WHERE id = 1`, [JSON.stringify(knobsAtStart)]);
});

test('an order dead-lettered by payments: paste its id, see the failed step and its reason, replay it, see the new successful step', async ({ page, users }) => {
  test.setTimeout(240_000);
  // Place an order through the demo orders API (it writes the order and its event to the outbox).
  await expect.poll(async () => (await fetch(`http://127.0.0.1:${ORDERS_PORT}/health`).catch(() => null))?.status ?? 0, { timeout: 60_000 }).toBe(200);
  const placed = await fetch(`http://127.0.0.1:${ORDERS_PORT}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ customerId: 'c-e2e-traces', amountCents: 2599, currency: 'EUR' }),
  });
  expect(placed.status).toBe(201);
  orderId = ((await placed.json()) as { orderId: string }).orderId;

  // The relay publishes it, payments fails on it (the knob) and dead-letters it.
  await expect
    .poll(async () => (await sql(`SELECT 1 FROM dlq_messages WHERE consumer = 'payments' AND subject = $1`, [orderId])).length, { timeout: 120_000, intervals: [1_000] })
    .toBe(1);
  const [dlq] = await sql<{ id: string; error_code: string; trace_id: string }>(`SELECT id::text, error_code, trace_id FROM dlq_messages WHERE subject = $1`, [orderId]);
  traceId = dlq!.trace_id;
  // The fault goes away: the replay will succeed.
  await sql(`UPDATE demo_knobs SET settings = $1 WHERE id = 1`, [knobs(0)]);

  await signIn(page, users.operator, '/dlq');
  await page.getByRole('searchbox', { name: 'Find a flow by any id' }).fill(orderId);
  await page.getByRole('button', { name: 'Find flow' }).click();
  await expect(page).toHaveURL(new RegExp(`/traces/${traceId}$`));
  const missing = page.getByTestId('missing-steps');
  await expect(missing).toContainText(`dead-lettered by payments: ${dlq!.error_code}`);
  await expect(missing.getByRole('link', { name: 'DLQ row' })).toHaveAttribute('href', `/dlq/messages/${dlq!.id}`);
  await expect(page.getByTestId('attempt-dead_lettered')).toContainText('Injected permanent failure in payments');
  await expect(page.getByTestId('trace-summary')).toContainText('1 open dead letters');

  // Replay from the timeline: its link opens the DLQ replay filtered to this trace.
  await page.getByTestId('replay-failed').click();
  await expect(page).toHaveURL(new RegExp(`/dlq\\?trace(Id)?=${traceId}`));
  await page.getByTestId('replay-preview').click();
  await expect(page.getByTestId('replay-preview-result')).toContainText('1 open messages');
  await expect(page.getByTestId('replay-preview-result')).toContainText('payments (1)');
  await page.getByTestId('replay-start').click();
  await page.getByRole('dialog', { name: 'Replay 1 messages' }).getByRole('button', { name: 'Replay', exact: true }).click();
  await expect(page.getByTestId('replay-job')).toContainText('succeeded', { timeout: 60_000 });

  // Back on the timeline: the replayed attempt succeeded, payments wrote its event, nothing is dead-lettered.
  await page.goto(`/traces/${traceId}`);
  await expect(page.getByTestId('attempt-ok').filter({ hasText: 'replayed' })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('timeline').locator('tr[data-kind="replay"]')).toContainText('job succeeded');
  await expect(page.getByTestId('trace-summary')).toContainText('0 open dead letters');
  await expect(page.getByTestId('missing-steps')).not.toContainText('dead-lettered by payments');
  await expect(page.getByTestId('timeline')).toContainText('payments.PaymentAuthorized');
});

test('from any page, every id of the demo order opens its timeline in under 3 s', async ({ page, users }) => {
  test.setTimeout(120_000);
  expect(orderId, 'the previous test placed the order').toBeTruthy();
  const [placedEvent] = await sql<{ event_id: string; correlation_id: string | null; traceparent: string }>(
    `SELECT event_id::text, correlation_id::text, traceparent FROM outbox_events WHERE subject = $1 AND type = 'orders.OrderPlaced'`,
    [orderId],
  );
  const [dlq] = await sql<{ id: string }>(`SELECT id::text FROM dlq_messages WHERE subject = $1`, [orderId]);
  const ids: Array<[string, string]> = [
    ['order id', orderId],
    ['trace id', traceId],
    ['traceparent', placedEvent!.traceparent],
    ['event id', placedEvent!.event_id],
    ['DLQ row id', dlq!.id],
    ...(placedEvent!.correlation_id ? [['correlation id', placedEvent!.correlation_id] as [string, string]] : []),
  ];
  const pages = ['/', '/consumers', '/dlq', '/jobs', '/outbox', '/audit'];
  await signIn(page, users.viewer, '/');
  for (const [i, [kind, id]] of ids.entries()) {
    await page.goto(pages[i % pages.length]!);
    await page.getByRole('searchbox', { name: 'Find a flow by any id' }).fill(id);
    const started = Date.now();
    await page.getByRole('button', { name: 'Find flow' }).click();
    await expect(page).toHaveURL(new RegExp(`/traces/${traceId}$`), { timeout: 10_000 });
    await expect(page.getByTestId('timeline')).toBeVisible();
    const ms = Date.now() - started;
    console.log(`${kind} from ${pages[i % pages.length]}: timeline in ${ms} ms`);
    expect(ms, `${kind} ${id}`).toBeLessThan(3_000);
  }
});
