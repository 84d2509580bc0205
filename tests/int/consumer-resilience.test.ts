// The consumer runtime while its PostgreSQL connections are killed mid-batch
// (pg_terminate_backend on every backend of the consumers' own pool, found by its
// application_name): the process keeps consuming, and every event is still applied
// exactly once (the inbox), with projections equal to a recomputation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { createKafka, ensureTopics } from '@/lib/adapters/kafka/kafka-client';
import { createOutboxWriter } from '@/lib/adapters/outbox/outbox-writer';
import { createRelay } from '@/lib/adapters/outbox/relay';
import { startConsumer, type RunningConsumer } from '@/lib/adapters/kafka/consumer-runtime';
import { createOrderEventRegistry } from '@/lib/demo/orders/events';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { kafkaBrokers, uniqueName } from '../support/kafka';
import { assertInvariants } from '../support/invariants';
import { demoProjectionChecks } from '../support/demo-projection-checks';
import { orderHistory, pipelineConsumers } from '../support/pipeline';
import { waitFor } from '../support/wait-for';

const registry = createOrderEventRegistry();
const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const APP = `signalbox-consumers-${randomBytes(4).toString('hex')}`;

let database: TestDatabase;
let db: Db; // the test's own: writes and checks
let consumerDb: Db; // the consumers': the one whose connections are killed
let pool: pg.Pool;

beforeAll(async () => {
  database = await createTestDatabase('consumer_resilience');
  db = createDb(database.url, { poolSize: 4 });
  consumerDb = createDb(database.url, { poolSize: 6, applicationName: APP });
  pool = new pg.Pool({ connectionString: database.url, max: 4 });
  pool.on('error', () => {});
});

afterAll(async () => {
  await consumerDb?.$disconnect();
  await db?.$disconnect();
  await pool?.end();
  await database?.drop();
});

describe('consumer runtime: its database connections killed mid-batch', () => {
  it('keeps consuming and applies every event exactly once', async () => {
    const kafka = createKafka({ brokers: kafkaBrokers(), clientId: uniqueName('resilience'), logLevel: 'silent' });
    const topic = uniqueName('consumer-resilience');
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [{ topic, partitions: 6 }]);
    await admin.disconnect();

    const writer = createOutboxWriter({ source: '/test', topicFor: () => topic });
    const relay = createRelay({ pool, kafka, pollMs: 100, logger: quiet });
    const running: RunningConsumer[] = [];
    const definitions = pipelineConsumers(topic, { handlerDelayMs: 3 }); // transactions stay open long enough to be hit
    const group = uniqueName('resilience');
    for (const definition of definitions) {
      running.push(
        await startConsumer(definition, { db: consumerDb, registry, outbox: writer, maxChunk: 20 }, { kafka, groupPrefix: group }),
      );
    }
    relay.start();
    try {
      await runUnderKills();
    } finally {
      await relay.stop();
      await Promise.allSettled(running.map((c) => c.stop()));
    }

    async function runUnderKills(): Promise<void> {
      let writing = true;
      let written = 0;
      const load = (async () => {
        while (writing) {
          // The writer is not under test: a slow moment on a busy machine is just retried.
          await db.$transaction((tx) => writer.append(tx, orderHistory(written)), { maxWait: 10_000 }).then(() => written++);
          await new Promise((r) => setTimeout(r, 15));
        }
      })();
      let killedInWork = 0;
      try {
        await waitFor('consumers to apply events', async () => (await db.notification.count()) > 20, 60_000);
        for (let round = 0; round < 15; round++) {
          await new Promise((r) => setTimeout(r, 300));
          const { rows } = await pool.query<{ state: string | null }>(
            `SELECT state, pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`,
            [APP],
          );
          killedInWork += rows.filter((r) => r.state === 'active' || r.state === 'idle in transaction').length;
        }
      } finally {
        writing = false;
        await load;
      }
      expect(killedInWork, 'some kills landed inside a consumer transaction').toBeGreaterThan(0);

      const total = await db.outboxEvent.count();
      await waitFor('the backlog to drain', async () => (await db.outboxEvent.count({ where: { publishedAt: null } })) === 0, 60_000);
      await waitFor('every event applied once more after the kills', async () => (await db.notification.count()) === total, 90_000);
      await waitFor(
        'projections caught up',
        async () =>
          (await db.consumerInbox.count({ where: { consumer: { in: ['order-summary', 'customer-stats'] } } })) ===
          total +
            (await db.outboxEvent.count({
              where: { type: { in: ['orders.OrderPlaced', 'orders.OrderCancelled', 'payments.PaymentAuthorized'] } },
            })),
        90_000,
      );
      await assertInvariants({ db, registry, consumers: definitions, projections: demoProjectionChecks([topic]), topics: [topic] });
    }
  }, 240_000);
});
