// Paste an order id into the header search (on any page), land on its timeline, see the
// failed step marked with its reason; after a replayed attempt succeeds (written the way
// the consumer runtime writes it), the timeline shows it without a reload.
import { readFileSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { test, expect } from './support/fixtures';
import { signIn } from './support/sign-in';
import { stateFile } from './support/env';
import { TEST_ORDERS_TOPIC, testReplayTopicOf } from '../support/demo-workers';

const databaseUrl = () => (JSON.parse(readFileSync(stateFile, 'utf8')) as { databaseUrl: string }).databaseUrl;

test.describe('trace timeline', () => {
  let client: pg.Client;
  const traceId = randomBytes(16).toString('hex');
  const orderId = randomUUID();
  const placed = randomUUID();
  const paid = randomUUID();

  test.beforeAll(async () => {
    client = new pg.Client({ connectionString: databaseUrl() });
    await client.connect();
    const envelope = (id: string, type: string) => JSON.stringify({ id, type, subject: orderId, data: { orderId, customerId: 'c-e2e' } });
    for (const [i, [id, type, cause]] of ([[placed, 'orders.OrderPlaced', null], [paid, 'payments.PaymentAuthorized', placed]] as const).entries()) {
      await client.query(
        `INSERT INTO outbox_events (event_id, type, version, source, subject, lane, trace_id, traceparent, causation_id, topic, envelope, occurred_at, created_at, published_at, partition, "offset")
         VALUES ($1, $2, 1, '/e2e-traces', $3, 1, $4, $5, $6, $9, $7, now(), now() - interval '60 s' + make_interval(secs => $8), now() - interval '59 s' + make_interval(secs => $8), 0, $8)`,
        [id, type, orderId, traceId, `00-${traceId}-${'cd'.repeat(8)}-01`, cause, envelope(id, type), 900_000 + i, TEST_ORDERS_TOPIC],
      );
    }
    await client.query(
      `INSERT INTO consumer_attempts (consumer, event_id, trace_id, topic, partition, "offset", attempt, outcome, duration_ms, error_class, error_message, at) VALUES
       ('payments', $1, $3, $4, 0, 900000, 1, 'ok', 12, NULL, NULL, now() - interval '58 s'),
       ('shipping', $2, $3, $4, 0, 900001, 1, 'dead_lettered', 7, 'AppError', 'no such order', now() - interval '57 s')`,
      [placed, paid, traceId, TEST_ORDERS_TOPIC],
    );
    await client.query(
      `INSERT INTO dlq_messages (id, consumer, topic, partition, "offset", payload, payload_size, event_id, event_type, subject, trace_id, error_class, error_code, error_message,
                                 fingerprint, attempt_count, first_failed_at, last_failed_at)
       VALUES (gen_random_uuid(), 'shipping', $4, 0, 900001, '\\x7b7d', 2, $1, 'payments.PaymentAuthorized', $2, $3, 'AppError', 'not_found', 'no such order',
               'e2e-traces', 1, now() - interval '57 s', now() - interval '57 s')`,
      [paid, orderId, traceId, TEST_ORDERS_TOPIC],
    );
  });

  test.afterAll(async () => {
    await client.query(`DELETE FROM consumer_attempts WHERE trace_id = $1`, [traceId]);
    await client.query(`DELETE FROM dlq_messages WHERE trace_id = $1`, [traceId]);
    await client.query(`DELETE FROM outbox_events WHERE trace_id = $1`, [traceId]);
    await client.end();
  });

  test('an order id pasted into the header search opens its timeline with the failed step and its reason', async ({ page, users }) => {
    await signIn(page, users.operator);
    await page.goto('/audit');
    await page.getByRole('searchbox', { name: 'Find a flow by any id' }).fill(orderId);
    await page.getByRole('button', { name: 'Find flow' }).click();
    await expect(page).toHaveURL(new RegExp(`/traces/${traceId}$`));
    const missing = page.getByTestId('missing-steps');
    await expect(missing).toContainText('dead-lettered by shipping: not_found');
    await expect(missing.getByRole('link', { name: 'DLQ row' })).toHaveAttribute('href', /\/dlq\/messages\//);
    await expect(page.getByTestId('replay-failed')).toHaveAttribute('href', `/dlq?trace=${traceId}`);
    await expect(page.getByTestId('attempt-dead_lettered')).toContainText('no such order');

    // The replayed delivery succeeds (as the runtime records it, on the consumer's replay
    // topic: the tests' namespace, as the console server runs with KAFKA_TOPIC_PREFIX).
    await client.query(
      `INSERT INTO consumer_attempts (consumer, event_id, trace_id, topic, partition, "offset", attempt, outcome, duration_ms) VALUES ('shipping', $1, $2, $3, 0, 0, 1, 'ok', 9)`,
      [paid, traceId, testReplayTopicOf('shipping')],
    );
    await expect(page.getByTestId('attempt-ok').filter({ hasText: 'replayed' })).toBeVisible({ timeout: 15_000 });
    await expect(missing).not.toContainText('dead-lettered by shipping');
  });

  test('the API answers the same timeline, and refuses a malformed id', async ({ page, users }) => {
    await signIn(page, users.viewer);
    const found = (await (await page.request.get(`/api/traces?q=${orderId}`)).json()) as { search: { flows: { traceId: string }[] } };
    expect(found.search.flows.map((f) => f.traceId)).toEqual([traceId]);
    const res = await page.request.get(`/api/traces/${traceId}`);
    expect(res.status()).toBe(200);
    expect(((await res.json()) as { summary: { events: number } }).summary.events).toBe(2);
    expect((await page.request.get(`/api/traces/not-a-trace`)).status()).toBe(400);
  });
});
