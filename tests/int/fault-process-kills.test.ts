// Faults with the real processes: the relay and the consumers are SIGKILLed
// while they work (a consumer inside an open transaction, and after commits
// whose offsets were not yet committed), restarted, and the run ends with the
// invariant: every event applied exactly once by every consumer, projections
// equal to the recomputation from the log.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { createOutboxWriter } from '@/lib/adapters/outbox/outbox-writer';
import { createOrderEventRegistry } from '@/lib/demo/orders/events';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTestTopic, kafkaBrokers, uniqueName, type TestTopic } from '../support/kafka';
import { assertInvariants, effectRowsPerEvent } from '../support/invariants';
import { demoProjectionChecks } from '../support/demo-projection-checks';
import { orderHistory, pipelineConsumers } from '../support/pipeline';
import { waitFor } from '../support/wait-for';
import { sqlCounter } from '../support/sql-count';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const registry = createOrderEventRegistry();

let database: TestDatabase;
let db: Db;
let pool: pg.Pool;
const topics: TestTopic[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase('fault_process_kills');
  db = createDb(database.url, { poolSize: 4 });
  pool = new pg.Pool({ connectionString: database.url, max: 3 });
  pool.on('error', () => {});
});

// A failed test must not leave its processes consuming into the next one.
afterEach(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

afterAll(async () => {
  await Promise.all(topics.map((t) => t.cleanup()));
  await db?.$disconnect();
  await pool?.end();
  await database?.drop();
});

function spawnProcess(file: string, env: Record<string, string>) {
  // node itself (no npx wrapper), so SIGKILL hits the worker.
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: database.url, KAFKA_BROKERS: kafkaBrokers().join(','), KAFKAJS_NO_PARTITIONER_WARNING: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  children.push(child);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return { child, output: () => output, exited };
}

async function kill(p: { child: ChildProcess; exited: Promise<void> }) {
  p.child.kill('SIGKILL');
  await p.exited;
}

const CONSUMER_APP = 'signalbox-test-consumers';

/**
 * Kills the consumer process while its effects consumer is provably inside its own
 * transaction: a SHARE lock on notifications holds the consumer's INSERT (after its
 * inbox claim, before its commit); pg_stat_activity shows that backend, by the
 * process's application_name, in a transaction that has written (backend_xid) and
 * waits on the lock. The process is SIGKILLed there; the backend is still in that
 * same transaction after the process is gone, and the transaction ends aborted.
 */
async function killInsideTransaction(p: { child: ChildProcess; exited: Promise<void> }): Promise<void> {
  const locker = new pg.Client({ connectionString: database.url, application_name: 'test-locker' });
  await locker.connect();
  let frozen!: { pid: number; xid: string; xact_start: Date };
  try {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE notifications IN SHARE MODE');
    frozen = await waitFor('the effects consumer waiting inside its own transaction', async () => {
      const { rows } = await pool.query<{ pid: number; xid: string; xact_start: Date }>(
        `SELECT pid, backend_xid::text AS xid, xact_start FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = $1 AND state = 'active'
            AND xact_start IS NOT NULL AND backend_xid IS NOT NULL AND wait_event_type = 'Lock'`,
        [CONSUMER_APP],
      );
      return rows[0];
    }, 30_000, 5);
    await kill(p);
    const { rows } = await pool.query<{ xact_start: Date | null; application_name: string }>('SELECT xact_start, application_name FROM pg_stat_activity WHERE pid = $1', [frozen.pid]);
    expect(rows[0], 'the killed process\'s transaction is still open after the kill').toEqual({ xact_start: frozen.xact_start, application_name: CONSUMER_APP });
  } finally {
    await locker.query('ROLLBACK').catch(() => undefined);
    await locker.end();
  }
  await pool.query('SELECT pg_terminate_backend($1)', [frozen.pid]); // the orphan, at once
  await waitFor('the orphaned backend to end', async () => (await pool.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [frozen.pid])).rows.length === 0, 10_000, 20);
  // xid -> xid8 in the current epoch (a fresh test database is nowhere near wraparound).
  const { rows } = await pool.query<{ status: string }>(
    `SELECT pg_xact_status((((pg_current_xact_id()::text::bigint >> 32) << 32) | $1::bigint)::text::xid8) AS status`,
    [frozen.xid],
  );
  expect(rows[0]!.status).toBe('aborted');
}

const count = (sql: string, ...params: unknown[]) => sqlCounter(pool)(sql, ...params);

describe('faults: processes killed mid-work', () => {
  it('relay and consumers SIGKILLed mid-batch (inside and after transactions) still apply every event exactly once', async () => {
    const topic = await createTestTopic(6, 'kills');
    topics.push(topic);
    const writer = createOutboxWriter({ source: '/test', topicFor: () => topic.topic });
    for (let n = 0; n < 300; n++) await db.$transaction((tx) => writer.append(tx, orderHistory(n)));
    const total = await db.outboxEvent.count({ where: { topic: topic.topic } });
    const group = uniqueName('kills');
    const consumerEnv = { TEST_TOPIC: topic.topic, TEST_GROUP_PREFIX: group, HANDLER_DELAY_MS: '3', TEST_APPLICATION_NAME: CONSUMER_APP };

    // Relay: killed once while draining, then restarted.
    let relay = spawnProcess('workers/outbox-relay/index.ts', { RELAY_POLL_MS: '100', RELAY_BATCH_SIZE: '100' });
    await waitFor('the relay to publish some rows', async () => (await count(`SELECT count(*) FROM outbox_events WHERE published_at IS NOT NULL`)) >= 200).catch((e: Error) => {
      throw new Error(`${e.message}\nrelay output:\n${relay.output()}`);
    });
    await kill(relay);
    relay = spawnProcess('workers/outbox-relay/index.ts', { RELAY_POLL_MS: '100' });

    // Consumers: killed inside their own open transaction (twice), and right after a commit
    // (before kafkajs commits the offsets, which it does when the fetched batch is done;
    // the consumer process commits every 20 events).
    let consumers = spawnProcess('tests/support/processes/consumer-process.ts', consumerEnv);
    const effects = () => count(`SELECT count(*) FROM notifications`);
    for (const [progress, moment] of [[150, 'inside'], [350, 'after-commit'], [600, 'inside']] as const) {
      await waitFor(`${progress} effects applied`, async () => (await effects()) >= progress, 60_000);
      if (moment === 'inside') await killInsideTransaction(consumers);
      else {
        const before = await effects();
        await waitFor('a commit to land', async () => (await effects()) > before, 10_000, 2);
        await kill(consumers);
      }
      consumers = spawnProcess('tests/support/processes/consumer-process.ts', consumerEnv);
    }

    await waitFor('every event applied by the effects consumer', async () => (await count(`SELECT count(*) FROM notifications`)) >= total, 90_000);
    await waitFor('both projections caught up', async () =>
      (await count(`SELECT count(*) FROM consumer_inbox WHERE consumer IN ('order-summary', 'customer-stats')`)) >=
      total + (await count(`SELECT count(*) FROM outbox_events WHERE type IN ('orders.OrderPlaced', 'orders.OrderCancelled', 'payments.PaymentAuthorized')`)),
    90_000);

    // Kills after commit but before the offset commit show up as redeliveries the inbox recognised.
    expect(await count(`SELECT count(*) FROM consumer_attempts WHERE outcome = 'duplicate'`)).toBeGreaterThan(0);
    expect(await count(`SELECT count(*) FROM notifications`)).toBe(total);
    await assertInvariants({
      db, registry, consumers: pipelineConsumers(topic.topic), topics: [topic.topic],
      projections: demoProjectionChecks([topic.topic]),
      effects: [effectRowsPerEvent('effects', 'notifications')],
    });
    await kill(consumers);
    await kill(relay);
  }, 240_000);
});
