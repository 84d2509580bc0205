// The broker stopped and restarted under load. This file runs its own broker
// (other ports, other data dir) so the shared one keeps serving the other test
// files. Orders keep being written while Kafka is down; the relay backs off and
// drains when it returns; consumers reconnect; the run ends with the invariant.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { createKafka, ensureTopics } from '@/lib/adapters/kafka/kafka-client';
import { createOutboxWriter } from '@/lib/adapters/outbox/outbox-writer';
import { createRelay } from '@/lib/adapters/outbox/relay';
import { startConsumer, type RunningConsumer } from '@/lib/adapters/kafka/consumer-runtime';
import { createOrderEventRegistry } from '@/lib/demo/orders/events';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { uniqueName } from '../support/kafka';
import { assertInvariants } from '../support/invariants';
import { demoProjectionChecks } from '../support/demo-projection-checks';
import { orderHistory, pipelineConsumers } from '../support/pipeline';
import { waitFor } from '../support/wait-for';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const brokerEnv = { ...process.env, KAFKA_PORT: '19192', KAFKA_CONTROLLER_PORT: '19193', KAFKA_DATA_DIR: path.join(root, '.data', 'kafka-fault-test') };
const kafkaSh = (command: string) => run('bash', ['infra/kafka/kafka.sh', command], { cwd: root, env: brokerEnv, timeout: 180_000 });
const registry = createOrderEventRegistry();
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

let database: TestDatabase;
let db: Db;
let pool: pg.Pool;

beforeAll(async () => {
  await kafkaSh('start');
  database = await createTestDatabase('fault_broker_restart');
  db = createDb(database.url, { poolSize: 6 });
  pool = new pg.Pool({ connectionString: database.url, max: 4 });
  pool.on('error', () => {});
}, 240_000);

afterAll(async () => {
  await db?.$disconnect();
  await pool?.end();
  await database?.drop();
  await kafkaSh('stop').catch(() => undefined);
}, 120_000);

describe('faults: the broker restarts under load', () => {
  it('keeps every event: the outbox holds them while Kafka is down, and each is applied exactly once after', async () => {
    const kafka = createKafka({ brokers: ['127.0.0.1:19192'], clientId: uniqueName('restart'), logLevel: 'silent' });
    const topic = uniqueName('restart');
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [{ topic, partitions: 6 }]);
    await admin.disconnect();

    const writer = createOutboxWriter({ source: '/test', topicFor: () => topic });
    const relay = createRelay({ pool, kafka, pollMs: 100, maxBackoffMs: 1_000, logger: quiet });
    const group = uniqueName('restart');
    const running: RunningConsumer[] = [];
    for (const definition of pipelineConsumers(topic)) {
      running.push(await startConsumer(definition, { db, registry, outbox: writer }, { kafka, groupPrefix: group, sessionTimeoutMs: 10_000 }));
    }
    relay.start();

    // Load: an order history every 20 ms, for the whole test.
    let writing = true;
    let written = 0;
    let backAt = new Date(8.64e15);
    const load = (async () => {
      while (writing) {
        await db.$transaction((tx) => writer.append(tx, orderHistory(written)));
        written++;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    try {
      await waitFor('traffic to flow before the restart', async () => written > 30 && (await db.notification.count()) > 50);
      await kafkaSh('stop');
      const downAt = written;
      await waitFor('orders to keep being written while Kafka is down', async () => written > downAt + 30);
      const { rows } = await pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM outbox_events WHERE published_at IS NULL`);
      expect(Number(rows[0]!.n)).toBeGreaterThan(0); // the backlog grew
      await kafkaSh('start');
      backAt = new Date();
      await waitFor('more traffic after the restart', async () => written > downAt + 80);
    } finally {
      writing = false;
      await load;
    }

    try {
      const total = await db.outboxEvent.count();
      await waitFor('the backlog to drain', async () => (await db.outboxEvent.count({ where: { publishedAt: null } })) === 0, 90_000);
      await waitFor('every event applied', async () => (await db.notification.count()) === total, 90_000);
      await waitFor('projections caught up', async () =>
        (await db.consumerInbox.count({ where: { consumer: { in: ['order-summary', 'customer-stats'] } } })) ===
        total + (await db.outboxEvent.count({ where: { type: { in: ['orders.OrderPlaced', 'orders.OrderCancelled', 'payments.PaymentAuthorized'] } } })),
      90_000);
      // Events written while Kafka was down were held in the outbox and published after it returned.
      expect(await db.outboxEvent.count({ where: { createdAt: { lt: backAt }, publishedAt: { gte: backAt } } })).toBeGreaterThan(0);
      await assertInvariants({ db, registry, consumers: pipelineConsumers(topic), projections: demoProjectionChecks([topic]), topics: [topic] });
    } finally {
      await relay.stop();
      await Promise.allSettled(running.map((c) => c.stop()));
    }
  });
});
