// The relay worker as a process while its PostgreSQL connections are killed under
// load (pg_terminate_backend on every backend named 'signalbox-outbox-relay', the
// LISTEN connection included): it must keep running, publish every row, and after
// the LISTEN connection is back a NOTIFY must still wake it long before its poll.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { createOutboxWriter } from '@/lib/adapters/outbox/outbox-writer';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTestTopic, type TestTopic } from '../support/kafka';
import { outboxAndTopicIds, startOutboxLoad } from '../support/outbox-load';
import { startRelayProcess, type RelayProcess } from '../support/relay-process';
import { sqlCounter } from '../support/sql-count';
import { waitFor } from '../support/wait-for';

const POLL_MS = 20_000; // so only a NOTIFY can explain a prompt publish

let database: TestDatabase;
let db: Db;
let pool: pg.Pool;
let topic: TestTopic;
let relay: RelayProcess | undefined;

beforeAll(async () => {
  database = await createTestDatabase('relay_resilience');
  db = createDb(database.url, { poolSize: 4 });
  pool = new pg.Pool({ connectionString: database.url, max: 2 });
  pool.on('error', () => {});
  topic = await createTestTopic(6, 'relay-resilience');
});

afterAll(async () => {
  relay?.kill();
  await topic?.cleanup();
  await db?.$disconnect();
  await pool?.end();
  await database?.drop();
});

const RELAY_BACKENDS = `FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'signalbox-outbox-relay'`;

const count = (sql: string) => sqlCounter(pool)(sql);
const unpublished = () => count('SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL');
const listening = () => count(`SELECT count(*)::int AS n ${RELAY_BACKENDS} AND query ILIKE 'LISTEN%'`);

describe('outbox relay worker: PostgreSQL connections killed under load', () => {
  it('keeps running, publishes every row, and a NOTIFY still wakes it after LISTEN was killed', async () => {
    const worker = (relay = startRelayProcess({ DATABASE_URL: database.url, RELAY_POLL_MS: String(POLL_MS), RELAY_MAX_BACKOFF_MS: '1000', RELAY_BATCH_SIZE: '50' }));
    await waitFor('the relay to LISTEN', async () => (await listening()) > 0, 30_000, 50);

    const load = startOutboxLoad(db, topic.topic, { source: '/test/relay-resilience', batchSize: 20, subjects: 40 });

    // Kill every relay backend (claim, commit and LISTEN connections) again and again under load.
    let killed = 0;
    let killedWorking = 0; // claim / mark / commit connections, not the LISTEN one
    try {
      for (let round = 0; round < 16; round++) {
        await new Promise((r) => setTimeout(r, 300));
        const { rows } = await pool.query<{ listen: boolean }>(
          `SELECT query ILIKE 'LISTEN%' AS listen, pg_terminate_backend(pid) ${RELAY_BACKENDS}`,
        );
        killed += rows.length;
        killedWorking += rows.filter((r) => !r.listen).length;
        expect(worker.exit(), worker.output()).toBeUndefined();
      }
    } finally {
      await load.stop();
    }
    expect(load.failed(), 'only the relay\'s connections were killed').toBe(0);
    expect(killed).toBeGreaterThanOrEqual(8);
    expect(killedWorking).toBeGreaterThan(0);

    await waitFor('the relay to publish everything', async () => (await unpublished()) === 0, 60_000, 100);
    expect(worker.exit(), worker.output()).toBeUndefined();
    expect(worker.output()).toMatch(/LISTEN \S+ lost/);

    // LISTEN is back (after the last kill): one more row is published at NOTIFY speed, not the poll's.
    await waitFor('LISTEN to be back', async () => (await listening()) > 0, 10_000, 50);
    await new Promise((r) => setTimeout(r, 300)); // the reconnect's own catch-up wake has passed
    const writer = createOutboxWriter({ source: '/test/relay-resilience', topicFor: () => topic.topic });
    const t0 = Date.now();
    await db.$transaction((tx) => writer.append(tx, [{ type: 'test.ThingHappened', version: 1, subject: 'after', data: {} }]));
    await waitFor('the NOTIFY-woken publish', async () => (await unpublished()) === 0, POLL_MS - 5_000, 20);
    expect(Date.now() - t0).toBeLessThan(3_000);

    const { rows, onTopic } = await outboxAndTopicIds(pool, topic.topic);
    expect(onTopic.size).toBe(rows.length);
    for (const id of rows) expect(onTopic.has(id)).toBe(true);

    worker.child.kill('SIGTERM');
    expect((await worker.exited).code, worker.output()).toBe(0);
  }, 180_000);
});
