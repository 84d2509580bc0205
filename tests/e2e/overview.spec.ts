// The Overview with traffic: figures written to the e2e database the way the
// backbone writes them (outbox rows, consumer attempts, a dead letter, a
// checkpoint) show up in the live panel, with status as label and icon.
// The rows are removed afterwards, so other specs still see an empty system.
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { test, expect } from './support/fixtures';
import { signIn } from './support/sign-in';
import { stateFile } from './support/env';

const databaseUrl = () => (JSON.parse(readFileSync(stateFile, 'utf8')) as { databaseUrl: string }).databaseUrl;

test.describe('overview', () => {
  let client: pg.Client;

  test.beforeAll(async () => {
    client = new pg.Client({ connectionString: databaseUrl() });
    await client.connect();
    const ids = Array.from({ length: 12 }, () => randomUUID());
    for (const [i, id] of ids.entries()) {
      await client.query(
        `INSERT INTO outbox_events (event_id, type, version, source, subject, lane, trace_id, traceparent, topic, envelope, occurred_at, published_at, partition, "offset")
         VALUES ($1, 'orders.OrderPlaced', 2, '/e2e', $2, 1, $3, $4, 'orders.lifecycle.v1', '{}', now(), CASE WHEN $5 THEN NULL ELSE now() END, 0, $6)`,
        [id, randomUUID(), 'ab'.repeat(16), `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01`, i >= 10, i],
      );
    }
    for (const [i, id] of ids.slice(0, 10).entries()) {
      await client.query(
        `INSERT INTO consumer_attempts (consumer, event_id, topic, partition, "offset", attempt, outcome, duration_ms) VALUES ('e2e-payments', $1, 'orders.lifecycle.v1', 0, $2, 1, 'ok', 3)`,
        [id, i],
      );
    }
    await client.query(
      `INSERT INTO consumer_attempts (consumer, event_id, topic, partition, "offset", attempt, outcome, duration_ms, error_class) VALUES ('e2e-shipping', $1, 'orders.lifecycle.v1', 0, 9, 1, 'dead_lettered', 4, 'AppError:permanent')`,
      [ids[9]],
    );
    await client.query(
      `INSERT INTO dlq_messages (id, consumer, topic, partition, "offset", payload, payload_size, error_class, error_code, error_message, fingerprint, attempt_count, first_failed_at, last_failed_at)
       VALUES (gen_random_uuid(), 'e2e-shipping', 'orders.lifecycle.v1', 0, 9, '\\x7b7d', 2, 'AppError:permanent', 'permanent', 'boom', 'f00d', 1, now(), now())`,
    );
    await client.query(`INSERT INTO projection_checkpoints (projection, topic, partition, "offset", events_applied) VALUES ('e2e-summary', 'orders.lifecycle.v1', 0, 9, 10)`);
  });

  test.afterAll(async () => {
    await client.query(`DELETE FROM consumer_attempts WHERE consumer LIKE 'e2e-%'`);
    await client.query(`DELETE FROM dlq_messages WHERE consumer LIKE 'e2e-%'`);
    await client.query(`DELETE FROM projection_checkpoints WHERE projection LIKE 'e2e-%'`);
    await client.query(`DELETE FROM outbox_events WHERE source = '/e2e'`);
    await client.end();
  });

  test('shows the outbox backlog, the publish chart, consumers with status labels and projections', async ({ page, users }) => {
    await signIn(page, users.viewer);
    await expect(page.getByTestId('outbox-backlog')).toHaveText('2');
    await expect(page.getByRole('img', { name: /10 events published in the last 5 minutes/ })).toBeVisible();
    const consumers = page.getByTestId('consumers-table');
    await expect(consumers.getByRole('row', { name: /e2e-payments/ })).toContainText('✓ healthy');
    await expect(consumers.getByRole('row', { name: /e2e-shipping/ })).toContainText('✖ failing');
    await expect(page.getByRole('row', { name: /e2e-summary/ })).toContainText('10');
    await expect(page.getByText(/UTC/).first()).toBeVisible();
  });

  test('the overview API answers the same figures as JSON to a signed-in user only', async ({ page, users, request }) => {
    expect((await request.get('/api/overview')).status()).toBe(401);
    await signIn(page, users.viewer);
    const res = await page.request.get('/api/overview');
    expect(res.status()).toBe(200);
    const body = (await res.json()) as { outbox: { unpublished: number; publishedInWindow: number } };
    expect(body.outbox).toMatchObject({ unpublished: 2, publishedInWindow: 10 });
  });

  test('an operator changes a fault knob from the Overview; a viewer sees it read-only', async ({ page, users, browser }) => {
    await signIn(page, users.operator);
    await page.getByText('Demo fault knobs').click();
    await page.getByLabel('Orders per second').fill('4');
    await page.getByLabel('Stopped consumer').selectOption('notifications');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();
    const knobs = ((await (await page.request.get('/api/demo/knobs')).json()) as { knobs: Record<string, unknown> }).knobs;
    expect(knobs).toMatchObject({ ratePerSecond: 4, stoppedConsumer: 'notifications' });
    // Each share is valid alone; together they exceed 1, which only the server knows.
    await page.getByLabel('Share of transient handler failures').fill('0.8');
    await page.getByLabel('Share of permanent handler failures').fill('0.5');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'must be at most 1' })).toBeVisible();

    const viewerContext = await browser.newContext();
    const viewer = await viewerContext.newPage();
    await viewer.setExtraHTTPHeaders({ 'x-forwarded-for': '127.10.99.1' });
    await signIn(viewer, users.viewer);
    await viewer.getByText('Demo fault knobs').click();
    await expect(viewer.getByRole('button', { name: 'Apply' })).toBeDisabled();
    await expect(viewer.getByText('Changing knobs needs the operator role.')).toBeVisible();
    await viewerContext.close();
  });
});
