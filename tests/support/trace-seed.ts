// Seeds a database with trace-shaped data at scale, for the lookup-plan test and
// `npm run bench -- trace`. Set-based SQL (generate_series): seconds per 100k events.
import type { Db } from '../../lib/adapters/prisma/client';

export const BIG_TABLES = ['outbox_events', 'consumer_attempts', 'dlq_messages', 'consumer_inbox', 'lag_samples', 'background_jobs'];

/** Flows of 4 events (the last 2 unpublished), 3 consumers' attempts (every 50th a retry), inbox rows, a dead letter for every 10th event, lag samples for the demo groups, 20,000 jobs; then ANALYZE. */
export async function seedTraceData(db: Db, EVENTS: number): Promise<void> {
  // Flow f = events 4f..4f+3: trace md5(f), subject (order id) and correlation id derived from f.
  await db.$executeRawUnsafe(`
    INSERT INTO outbox_events (event_id, type, version, source, subject, lane, trace_id, traceparent, causation_id, correlation_id, topic, envelope,
                               occurred_at, created_at, published_at, partition, "offset")
    SELECT md5('e' || i)::uuid, (ARRAY['orders.OrderPlaced','payments.PaymentAuthorized','shipping.ShipmentDispatched','shipping.ShipmentDelivered'])[i % 4 + 1], 1,
           '/seed', md5('s' || i / 4)::uuid::text, (i / 4) % 64, md5('t' || i / 4), '00-' || md5('t' || i / 4) || '-00f067aa0ba902b7-01',
           CASE WHEN i % 4 = 0 THEN NULL ELSE md5('e' || (i - 1))::uuid END, md5('c' || i / 4)::uuid, 'orders.lifecycle.v1',
           jsonb_build_object('subject', md5('s' || i / 4)::uuid::text, 'data', jsonb_build_object('customerId', 'c-' || i % 97)),
           now() - make_interval(secs => ${EVENTS} - i), now() - make_interval(secs => ${EVENTS} - i),
           CASE WHEN i > ${EVENTS} - 3 THEN NULL ELSE now() - make_interval(secs => ${EVENTS} - i) + interval '5 ms' END, 0, i
    FROM generate_series(0, ${EVENTS} - 1) AS i`);
  await db.$executeRawUnsafe(`
    INSERT INTO consumer_attempts (consumer, event_id, trace_id, topic, partition, "offset", attempt, outcome, duration_ms, error_class, at)
    SELECT c, event_id, trace_id, topic, 0, "offset", 1, CASE WHEN position % 50 = 0 THEN 'retry'::"AttemptOutcome" ELSE 'ok' END, 3,
           CASE WHEN position % 50 = 0 THEN 'AppError' END, published_at
    FROM outbox_events CROSS JOIN unnest(ARRAY['payments', 'shipping', 'notifications']) AS c WHERE published_at IS NOT NULL`);
  await db.$executeRawUnsafe(`
    INSERT INTO consumer_inbox (consumer, event_id, topic, partition, "offset")
    SELECT consumer, event_id, topic, partition, "offset" FROM consumer_attempts WHERE outcome = 'ok'`);
  await db.$executeRawUnsafe(`
    INSERT INTO dlq_messages (id, consumer, topic, partition, "offset", payload, payload_size, event_id, event_type, subject, trace_id, error_class, error_code,
                              error_message, fingerprint, attempt_count, first_failed_at, last_failed_at, status)
    SELECT gen_random_uuid(), 'shipping', topic, 0, "offset", '\\x7b7d'::bytea, 2, event_id, type, subject, trace_id, 'AppError', 'not_found', 'seeded', 'f' || position % 7, 1,
           created_at, created_at, CASE WHEN position % 3 = 0 THEN 'open'::"DlqStatus" ELSE 'resolved' END
    FROM outbox_events WHERE position % 10 = 0`);
  await db.$executeRawUnsafe(`
    INSERT INTO lag_samples (at, group_id, state, members, status, evidence, no_commit_partitions, data_loss_partitions, seconds_behind)
    SELECT now() - make_interval(secs => s * 10), 'signalbox.' || g, 'Stable', 1, 'OK', 'seed', 0, 0, s % 5
    FROM generate_series(0, 3000) AS s CROSS JOIN unnest(ARRAY['payments', 'shipping', 'notifications', 'order-saga', 'order-summary', 'customer-stats']) AS g`);
  await db.$executeRawUnsafe(`
    INSERT INTO background_jobs (id, kind, scope, state, created_at) SELECT gen_random_uuid(), 'demo.count', 'seed:' || i, 'succeeded', now() - make_interval(secs => i) FROM generate_series(1, 20000) AS i`);
  for (const table of BIG_TABLES) await db.$executeRawUnsafe(`ANALYZE ${table}`);
}
