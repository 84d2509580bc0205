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
// again and the knobs restored (snapshotDatabase, as the other worker specs do).
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { test, expect } from './support/fixtures';
import { signIn } from './support/sign-in';
import { e2eDir, stateFile, type E2eState } from './support/env';
import { DemoWorkers, putDemoKnobs, snapshotDatabase, sql, startGroupsAtEnd } from '../support/demo-workers';

const PREFIX = `e2e-tr-${randomBytes(3).toString('hex')}`;
const ORDERS_PORT = 31_000 + Math.floor(Math.random() * 2_000);
let databaseUrl: string;
let workers: DemoWorkers | undefined;
let restore: (() => Promise<void>) | null = null;
let orderId: string;
let traceId: string;

test.describe.configure({ mode: 'serial' });

const knobs = (permanentFailureShare: number) =>
  ({ ratePerSecond: 0, poisonShare: 0, transientFailureShare: 0, permanentFailureShare, slowConsumer: null, slowMs: 0, stoppedConsumer: null, stalledConsumer: null });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  databaseUrl = (JSON.parse(readFileSync(stateFile, 'utf8')) as E2eState).databaseUrl!;
  restore = await snapshotDatabase(databaseUrl);
  // Every delivery to a demo consumer fails permanently (→ dead-lettered at once); no generated traffic.
  await putDemoKnobs(databaseUrl, knobs(1));
  await startGroupsAtEnd(PREFIX, ['payments']);
  workers = new DemoWorkers({ databaseUrl, prefix: PREFIX, logDir: e2eDir, logPrefix: 'traces' });
  workers.start('orders-api', 'workers/orders-api/index.ts', { ORDERS_API_PORT: String(ORDERS_PORT) });
  workers.start('relay', 'workers/outbox-relay/index.ts');
  workers.start('consumers', 'workers/demo-consumers/index.ts', { CONSUMERS: 'payments', CONSUMER_PARTITION_CONCURRENCY: '1' });
  workers.start('jobs', 'workers/jobs/index.ts', { JOBS_POLL_MS: '200', JOBS_SWEEP_MS: '500', JOBS_HEARTBEAT_MS: '500', JOBS_STALE_AFTER_MS: '5000' });
});

test.afterAll(async () => {
  test.setTimeout(60_000);
  await workers?.stopAll();
  await restore?.();
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
    .poll(async () => (await sql(databaseUrl, `SELECT 1 FROM dlq_messages WHERE consumer = 'payments' AND subject = $1`, [orderId])).length, { timeout: 120_000, intervals: [1_000] })
    .toBe(1);
  const [dlq] = await sql<{ id: string; error_code: string; trace_id: string }>(databaseUrl, `SELECT id::text, error_code, trace_id FROM dlq_messages WHERE subject = $1`, [orderId]);
  traceId = dlq!.trace_id;
  // The fault goes away: the replay will succeed.
  await putDemoKnobs(databaseUrl, knobs(0));

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
    databaseUrl,
    `SELECT event_id::text, correlation_id::text, traceparent FROM outbox_events WHERE subject = $1 AND type = 'orders.OrderPlaced'`,
    [orderId],
  );
  const [dlq] = await sql<{ id: string }>(databaseUrl, `SELECT id::text FROM dlq_messages WHERE subject = $1`, [orderId]);
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
