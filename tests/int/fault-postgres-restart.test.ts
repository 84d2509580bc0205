// PostgreSQL restarted in immediate mode (no checkpoint, crash recovery) under load,
// with the relay worker running as its own process. The test owns the cluster it
// restarts (tests/support/own-postgres.ts), so the shared server is never touched.
// Afterwards nothing is left unpublished and every outbox row reached Kafka (each
// event id on the topic exactly as many distinct times as there are rows).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { applyMigrations } from '@/lib/tooling/schema-engine';
import { startOwnPostgres, type OwnPostgres } from '../support/own-postgres';
import { createTestTopic, type TestTopic } from '../support/kafka';
import { outboxAndTopicIds, startOutboxLoad } from '../support/outbox-load';
import { startRelayProcess, type RelayProcess } from '../support/relay-process';
import { sqlCounter } from '../support/sql-count';
import { waitFor } from '../support/wait-for';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

let cluster: OwnPostgres;
let url: string;
let db: Db;
let pool: pg.Pool;
let topic: TestTopic;
let relay: RelayProcess | undefined;

beforeAll(async () => {
  cluster = await startOwnPostgres('pg-restart');
  url = await cluster.createDatabase('signalbox');
  await applyMigrations({
    url,
    schemaPath: path.join(root, 'prisma', 'schema.prisma'),
    migrationsDir: path.join(root, 'prisma', 'migrations'),
  });
  db = createDb(url, { poolSize: 4 });
  pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => {}); // its idle connections die with the restart
  topic = await createTestTopic(6, 'pg-restart');
}, 180_000);

afterAll(async () => {
  relay?.kill();
  await topic?.cleanup();
  await db?.$disconnect().catch(() => undefined);
  await pool?.end().catch(() => undefined);
  await cluster?.remove();
}, 60_000);

const count = (sql: string) => sqlCounter(pool)(sql);

describe('faults: PostgreSQL restarts (immediate mode) under load', () => {
  it('the relay keeps running and publishes every committed row once it is back', async () => {
    const worker = (relay = startRelayProcess({ DATABASE_URL: url, RELAY_POLL_MS: '200', RELAY_MAX_BACKOFF_MS: '1000' }));

    // A stream of outbox writes that outlives the restart: failures (the server is
    // down) are retried; whether a commit in flight at the crash survived is for the
    // table to say, so the rows are counted there at the end.
    const load = startOutboxLoad(db, topic.topic, { source: '/test/pg-restart', batchSize: 10, subjects: 30 });

    try {
      await waitFor(
        'the relay to publish under load',
        async () => (await count('SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NOT NULL')) > 200,
        30_000,
        50,
      );
      const before = load.written();
      await cluster.restart('immediate');
      await waitFor('writes to succeed again after the restart', async () => load.written() > before + 30, 60_000, 100);
      expect(worker.exit(), worker.output()).toBeUndefined();
    } finally {
      await load.stop();
    }
    expect(load.failed(), 'the restart interrupted the writers').toBeGreaterThan(0);

    await waitFor(
      'nothing left unpublished',
      async () => (await count('SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL')) === 0,
      60_000,
      100,
    );
    expect(worker.exit(), worker.output()).toBeUndefined();

    const { rows, onTopic } = await outboxAndTopicIds(pool, topic.topic);
    expect(onTopic.size).toBe(rows.length); // no event on the topic that is not a row
    for (const id of rows) expect(onTopic.has(id)).toBe(true);

    worker.child.kill('SIGTERM');
    expect((await worker.exited).code, worker.output()).toBe(0);
  }, 240_000);
});
