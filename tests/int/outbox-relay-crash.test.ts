// The relay worker as a process: killed with SIGKILL between the broker's ack and
// the mark, and mid-drain, then restarted: every row still ends up published and
// every event on the topic (at least once; the re-sent ones are expected), and the
// consumers running meanwhile end with the full invariant: every event applied
// exactly once by each of them (the re-sent copies recognised as duplicates), the
// projections equal to their recomputations from the outbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { createOutboxWriter } from '@/lib/adapters/outbox/outbox-writer';
import { startConsumer, type RunningConsumer } from '@/lib/adapters/kafka/consumer-runtime';
import { createOrderEventRegistry } from '@/lib/demo/orders/events';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTestTopic, readAll, testKafka, uniqueName, type TestTopic } from '../support/kafka';
import { assertInvariants, effectRowsPerEvent } from '../support/invariants';
import { demoProjectionChecks } from '../support/demo-projection-checks';
import { orderHistory, pipelineConsumers } from '../support/pipeline';
import { startRelayProcess, type RelayProcess } from '../support/relay-process';
import { waitFor } from '../support/wait-for';

const ORDERS = 600; // about 2,250 events
const registry = createOrderEventRegistry();

let database: TestDatabase;
let db: Db;
let pool: pg.Pool;
let topic: TestTopic;
const workers: RelayProcess[] = [];
const consumers: RunningConsumer[] = [];

beforeAll(async () => {
  database = await createTestDatabase('outbox_relay_crash');
  db = createDb(database.url, { poolSize: 4 });
  pool = new pg.Pool({ connectionString: database.url, max: 2 });
  pool.on('error', () => {}); // a socket still closing after end() when drop() forces the database away
  topic = await createTestTopic(6, 'relay-crash');
});

afterAll(async () => {
  await Promise.all(consumers.map((c) => c.stop()));
  for (const worker of workers) worker.kill();
  await topic?.cleanup();
  await db?.$disconnect();
  await pool?.end();
  await database?.drop();
});

function startWorker(env: Record<string, string>): RelayProcess {
  const worker = startRelayProcess({ DATABASE_URL: database.url, RELAY_POLL_MS: '100', ...env });
  workers.push(worker);
  return worker;
}

async function publishedCount(): Promise<number> {
  const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NOT NULL');
  return rows[0]!.n;
}

/** Messages on the topic so far (sum of the partitions' end offsets). */
async function onTopic(): Promise<number> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic.topic)).reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

const RELAY_BACKENDS = `FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'signalbox-outbox-relay'`;

describe('outbox relay worker', () => {
  it('publishes everything after being killed with SIGKILL (between publish and mark, and mid-drain) and restarted; consumers end with the full invariant', async () => {
    const writer = createOutboxWriter({ source: '/test/outbox-relay-crash', topicFor: () => topic.topic });
    for (let n = 0; n < ORDERS; n += 25) {
      await db.$transaction((tx) => writer.append(tx, Array.from({ length: 25 }, (_, i) => orderHistory(n + i)).flat()));
    }
    const TOTAL = await db.outboxEvent.count();
    // The consumers run all along, so they see the re-sent copies as they come.
    const definitions = pipelineConsumers(topic.topic);
    const group = uniqueName('relay-crash');
    for (const definition of definitions) {
      consumers.push(await startConsumer(definition, { db, registry, outbox: writer }, { kafka: testKafka(), groupPrefix: group, partitionsConsumedConcurrently: 3 }));
    }

    // 1. Exactly between publish and mark: a SHARE lock on the table lets the relay claim
    //    rows (FOR UPDATE) and publish them, but holds its UPDATE back. Kill it there.
    const locker = new pg.Client({ connectionString: database.url });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE outbox_events IN SHARE MODE');
    const first = startWorker({ RELAY_BATCH_SIZE: '500' });
    await waitFor('the relay to publish a batch and wait to mark it', async () => {
      const { rows } = await pool.query(`SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE NOT l.granted AND a.datname = current_database() AND a.application_name = 'signalbox-outbox-relay'`);
      return rows.length > 0;
    }, 30_000, 10);
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    await pool.query(`SELECT pg_terminate_backend(pid) ${RELAY_BACKENDS}`); // the orphaned backends, at once
    await locker.query('ROLLBACK');
    await locker.end();
    const sentUnmarked = await onTopic();
    expect(sentUnmarked, first.output()).toBeGreaterThan(0);
    expect(await publishedCount()).toBe(0);

    // 2. Somewhere mid-drain, with small batches.
    const second = startWorker({ RELAY_BATCH_SIZE: '20' });
    await waitFor('the second relay to mark rows published', async () => (await publishedCount()) > 0, 30_000, 10);
    second.child.kill('SIGKILL');
    expect((await second.exited).signal).toBe('SIGKILL');
    expect(await publishedCount(), second.output()).toBeLessThan(TOTAL);

    // 3. A clean run drains the rest and stops on SIGTERM.
    const third = startWorker({ RELAY_BATCH_SIZE: '500' });
    await waitFor('the restarted relay to drain the outbox', async () => (await publishedCount()) === TOTAL, 30_000, 50);
    third.child.kill('SIGTERM');
    const stopped = await third.exited;
    expect(stopped.code, third.output()).toBe(0);
    expect(third.output()).toContain('outbox relay: stopped');

    const { rows } = await pool.query<{ event_id: string; subject: string }>('SELECT event_id::text, subject FROM outbox_events o ORDER BY o.position');
    const read = await readAll(topic.topic, { expected: TOTAL + sentUnmarked, timeoutMs: 30_000 });
    const ids = new Set(read.map((m) => m.headers['ce-id']));
    expect(ids.size).toBe(TOTAL);
    for (const row of rows) expect(ids.has(row.event_id)).toBe(true);
    expect(read.length).toBeGreaterThanOrEqual(TOTAL + sentUnmarked); // the first batch went out twice

    // Re-sent events repeat a stretch of their subject, never reorder it: the first
    // sighting of each event, per subject, is still log order.
    const firstSeen = new Map<string, string[]>();
    const seen = new Set<string>();
    for (const m of read) {
      const id = m.headers['ce-id']!;
      if (seen.has(id)) continue;
      seen.add(id);
      firstSeen.set(m.key!, [...(firstSeen.get(m.key!) ?? []), id]);
    }
    const expected = new Map<string, string[]>();
    for (const row of rows) expected.set(row.subject, [...(expected.get(row.subject) ?? []), row.event_id]);
    expect(Object.fromEntries(firstSeen)).toEqual(Object.fromEntries(expected));

    // The full invariant, for consumers that saw every copy the kills produced.
    const handled = await db.outboxEvent.count({ where: { type: { in: ['orders.OrderPlaced', 'orders.OrderCancelled', 'payments.PaymentAuthorized'] } } });
    await waitFor('every consumer to apply every event', async () => {
      const inbox = await db.consumerInbox.groupBy({ by: ['consumer'], _count: true });
      const of = (name: string) => inbox.find((i) => i.consumer === name)?._count ?? 0;
      return of('effects') >= TOTAL && of('order-summary') >= TOTAL && of('customer-stats') >= handled;
    }, 90_000);
    const duplicates = await db.consumerAttempt.count({ where: { consumer: 'effects', outcome: 'duplicate' } });
    expect(duplicates, 'every re-sent copy reached the effects consumer and was recognised by the inbox').toBeGreaterThanOrEqual(read.length - TOTAL);
    await assertInvariants({
      db, registry, consumers: definitions, topics: [topic.topic],
      projections: demoProjectionChecks([topic.topic]),
      effects: [effectRowsPerEvent('effects', 'notifications')],
    });
  }, 240_000);

  it('exits with 78 and names the variable when the configuration is invalid', async () => {
    const worker = startWorker({ RELAY_BATCH_SIZE: '0' });
    const { code } = await worker.exited;
    expect(code).toBe(78);
    expect(worker.output()).toContain('RELAY_BATCH_SIZE');
  });
});
