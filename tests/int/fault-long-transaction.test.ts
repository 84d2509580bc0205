// A long transaction holds an early outbox row: later rows are published and
// applied meanwhile, nothing is skipped, and the early row is applied once its
// transaction commits. Ends with the invariant check.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { createOutboxWriter } from '@/lib/adapters/outbox/outbox-writer';
import { createRelay } from '@/lib/adapters/outbox/relay';
import { startConsumer, type RunningConsumer } from '@/lib/adapters/kafka/consumer-runtime';
import { createOrderEventRegistry } from '@/lib/demo/orders/events';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTestTopic, testKafka, uniqueName, type TestTopic } from '../support/kafka';
import { assertInvariants, effectRowsPerEvent } from '../support/invariants';
import { demoProjectionChecks } from '../support/demo-projection-checks';
import { orderHistory, pipelineConsumers } from '../support/pipeline';
import { waitFor } from '../support/wait-for';
import { sqlCounter } from '../support/sql-count';

const registry = createOrderEventRegistry();
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

let database: TestDatabase;
let db: Db;
let pool: pg.Pool;
const topics: TestTopic[] = [];

beforeAll(async () => {
  database = await createTestDatabase('fault_long_transaction');
  db = createDb(database.url, { poolSize: 4 });
  pool = new pg.Pool({ connectionString: database.url, max: 3 });
  pool.on('error', () => {});
});

afterAll(async () => {
  await Promise.all(topics.map((t) => t.cleanup()));
  await db?.$disconnect();
  await pool?.end();
  await database?.drop();
});

const count = (sql: string, ...params: unknown[]) => sqlCounter(pool)(sql, ...params);

describe('faults: a long transaction', () => {
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
      await assertInvariants({
        db, registry, consumers: pipelineConsumers(topic.topic), topics: [topic.topic],
        projections: demoProjectionChecks([topic.topic]),
        effects: [effectRowsPerEvent('effects', 'notifications')],
      });
    } finally {
      await relay.stop();
      await Promise.all(running.map((c) => c.stop()));
    }
  });
});
