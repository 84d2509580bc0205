// Faults with the real processes: the relay and the consumers are SIGKILLed
// while they work (a consumer inside an open transaction, and after commits
// whose offsets were not yet committed), restarted, and the run ends with the
// invariant: every event applied exactly once by every consumer, projections
// equal to the recomputation from the log. Also: a long transaction holding an
// early outbox row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { createOutboxWriter } from '@/lib/adapters/outbox/outbox-writer';
import { createRelay } from '@/lib/adapters/outbox/relay';
import { startConsumer, type RunningConsumer } from '@/lib/adapters/kafka/consumer-runtime';
import { createOrderEventRegistry } from '@/lib/demo/orders/events';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTestTopic, kafkaBrokers, testKafka, uniqueName, type TestTopic } from '../support/kafka';
import { assertInvariants } from '../support/invariants';
import { demoProjectionChecks } from '../support/demo-projection-checks';
import { orderHistory, pipelineConsumers } from '../support/pipeline';
import { waitFor } from '../support/wait-for';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const registry = createOrderEventRegistry();
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

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

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
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

async function openTransactions(): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL AND query NOT ILIKE '%pg_stat_activity%'`,
  );
  return Number(rows[0]!.n);
}

/** The single value a `SELECT count(*) …` returns. */
const count = async (sql: string, ...params: unknown[]) => {
  const row = (await pool.query(sql, params)).rows[0] as Record<string, unknown>;
  return Number(Object.values(row)[0]);
};

describe('faults: processes killed mid-work', () => {
  it('relay and consumers SIGKILLed mid-batch (inside and after transactions) still apply every event exactly once', async () => {
    const topic = await createTestTopic(6, 'kills');
    topics.push(topic);
    const writer = createOutboxWriter({ source: '/test', topicFor: () => topic.topic });
    for (let n = 0; n < 300; n++) await db.$transaction((tx) => writer.append(tx, orderHistory(n)));
    const total = await db.outboxEvent.count({ where: { topic: topic.topic } });
    const group = uniqueName('kills');
    const consumerEnv = { TEST_TOPIC: topic.topic, TEST_GROUP_PREFIX: group, HANDLER_DELAY_MS: '3' };

    // Relay: killed once while draining, then restarted.
    let relay = spawnProcess('workers/outbox-relay/index.ts', { RELAY_POLL_MS: '100', RELAY_BATCH_SIZE: '100' });
    await waitFor('the relay to publish some rows', async () => (await count(`SELECT count(*) FROM outbox_events WHERE published_at IS NOT NULL`)) >= 200).catch((e: Error) => {
      throw new Error(`${e.message}\nrelay output:\n${relay.output()}`);
    });
    await kill(relay);
    relay = spawnProcess('workers/outbox-relay/index.ts', { RELAY_POLL_MS: '100' });

    // Consumers: killed twice while a transaction is open, restarted each time.
    let consumers = spawnProcess('tests/support/processes/consumer-process.ts', consumerEnv);
    let killedInsideTransaction = 0;
    for (const progress of [150, 450]) {
      await waitFor(`${progress} effects applied`, async () => (await count(`SELECT count(*) FROM notifications`)) >= progress, 60_000);
      await waitFor('an open consumer transaction', async () => (await openTransactions()) > 0, 10_000, 5).then(() => killedInsideTransaction++, () => undefined);
      await kill(consumers);
      consumers = spawnProcess('tests/support/processes/consumer-process.ts', consumerEnv);
    }
    expect(killedInsideTransaction).toBeGreaterThan(0);

    await waitFor('every event applied by the effects consumer', async () => (await count(`SELECT count(*) FROM notifications`)) >= total, 90_000);
    await waitFor('both projections caught up', async () =>
      (await count(`SELECT count(*) FROM consumer_inbox WHERE consumer IN ('order-summary', 'customer-stats')`)) >=
      total + (await count(`SELECT count(*) FROM outbox_events WHERE type IN ('orders.OrderPlaced', 'orders.OrderCancelled', 'payments.PaymentAuthorized')`)),
    90_000);

    // Kills after commit but before the offset commit show up as redeliveries the inbox recognised.
    expect(await count(`SELECT count(*) FROM consumer_attempts WHERE outcome = 'duplicate'`)).toBeGreaterThan(0);
    expect(await count(`SELECT count(*) FROM notifications`)).toBe(total);
    await assertInvariants({ db, registry, consumers: pipelineConsumers(topic.topic), projections: demoProjectionChecks([topic.topic]), topics: [topic.topic] });
    await kill(consumers);
    await kill(relay);
  });

  it('a long transaction holding an early outbox row: later rows flow, the early one is applied after commit', async () => {
    const topic = await createTestTopic(3, 'long-tx');
    topics.push(topic);
    const writer = createOutboxWriter({ source: '/test', topicFor: () => topic.topic });
    const kafka = testKafka();
    const relay = createRelay({ pool, kafka, pollMs: 50, logger: quiet });
    const group = uniqueName('long-tx');
    const running: RunningConsumer[] = [];
    for (const definition of pipelineConsumers(topic.topic)) {
      running.push(await startConsumer(definition, { db, registry, outbox: writer }, { kafka, groupPrefix: group }));
    }
    relay.start();
    try {
      // The long transaction takes the earliest position, then waits.
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let early = '';
      const longTx = db.$transaction(async (tx) => {
        const [e] = await writer.append(tx, orderHistory(1).slice(0, 1));
        early = e!.id;
        await held;
      }, { timeout: 60_000 });
      await waitFor('the long transaction to write its row', async () => early !== '');
      for (let n = 2; n < 40; n++) await db.$transaction((tx) => writer.append(tx, orderHistory(n)));
      const later = await db.outboxEvent.count({ where: { topic: topic.topic } });
      const applied = () => count(`SELECT count(*) FROM notifications n JOIN outbox_events o ON o.event_id = n.event_id WHERE o.topic = $1`, topic.topic);
      await waitFor('later rows to be applied', async () => (await applied()) >= later);
      expect(await count(`SELECT count(*) FROM notifications WHERE event_id = $1`, early)).toBe(0);

      release();
      await longTx;
      await waitFor('the early row to be applied after its commit', async () => (await count(`SELECT count(*) FROM notifications WHERE event_id = $1`, early)) === 1);
      await waitFor('projections to catch up', async () =>
        (await count(`SELECT count(*) FROM consumer_inbox WHERE consumer = 'order-summary' AND topic = $1`, topic.topic)) === later + 1);
      expect(await applied()).toBe(later + 1);
      await assertInvariants({ db, registry, consumers: pipelineConsumers(topic.topic), projections: demoProjectionChecks([topic.topic]), topics: [topic.topic] });
    } finally {
      await relay.stop();
      await Promise.all(running.map((c) => c.stop()));
    }
  });
});
