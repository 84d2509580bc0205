// The relay worker as a process while its PostgreSQL connections are killed under
// load (pg_terminate_backend on every backend named 'signalbox-outbox-relay', the
// LISTEN connection included): it must keep running, publish every row, and after
// the LISTEN connection is back a NOTIFY must still wake it long before its poll.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { createOutboxWriter } from '@/lib/adapters/outbox/outbox-writer';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTestTopic, kafkaBrokers, readAll, type TestTopic } from '../support/kafka';
import { waitFor } from '../support/wait-for';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const POLL_MS = 20_000; // so only a NOTIFY can explain a prompt publish

let database: TestDatabase;
let db: Db;
let pool: pg.Pool;
let topic: TestTopic;
let child: ChildProcess | undefined;

beforeAll(async () => {
  database = await createTestDatabase('relay_resilience');
  db = createDb(database.url, { poolSize: 4 });
  pool = new pg.Pool({ connectionString: database.url, max: 2 });
  pool.on('error', () => {});
  topic = await createTestTopic(6, 'relay-resilience');
});

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await topic?.cleanup();
  await db?.$disconnect();
  await pool?.end();
  await database?.drop();
});

const RELAY_BACKENDS = `FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'signalbox-outbox-relay'`;

async function count(sql: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(sql);
  return rows[0]!.n;
}
const unpublished = () => count('SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL');
const total = () => count('SELECT count(*)::int AS n FROM outbox_events');
const listening = () => count(`SELECT count(*)::int AS n ${RELAY_BACKENDS} AND query ILIKE 'LISTEN%'`);

describe('outbox relay worker: PostgreSQL connections killed under load', () => {
  it('keeps running, publishes every row, and a NOTIFY still wakes it after LISTEN was killed', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'workers/outbox-relay/index.ts'], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: database.url,
        KAFKA_BROKERS: kafkaBrokers().join(','),
        RELAY_POLL_MS: String(POLL_MS),
        RELAY_MAX_BACKOFF_MS: '1000',
        RELAY_BATCH_SIZE: '50',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    let exit: string | undefined;
    child.on('exit', (code, signal) => (exit = `exited (${signal ?? code})`));
    await waitFor('the relay to LISTEN', async () => (await listening()) > 0, 30_000, 50);

    const writer = createOutboxWriter({ source: '/test/relay-resilience', topicFor: () => topic.topic });
    let writing = true;
    let batches = 0;
    const load = (async () => {
      while (writing) {
        await db.$transaction((tx) =>
          writer.append(
            tx,
            Array.from({ length: 20 }, (_, j) => ({
              type: 'test.ThingHappened',
              version: 1,
              subject: `s-${(batches * 7 + j) % 40}`,
              data: { batches, j },
            })),
          ),
        );
        batches++;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();

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
        expect(exit, output).toBeUndefined();
      }
    } finally {
      writing = false;
      await load;
    }
    expect(killed).toBeGreaterThanOrEqual(8);
    expect(killedWorking).toBeGreaterThan(0);

    const rows = await total();
    await waitFor('the relay to publish everything', async () => (await unpublished()) === 0, 60_000, 100);
    expect(exit, output).toBeUndefined();
    expect(output).toMatch(/LISTEN \S+ lost/);

    // LISTEN is back (after the last kill): one more row is published at NOTIFY speed, not the poll's.
    await waitFor('LISTEN to be back', async () => (await listening()) > 0, 10_000, 50);
    await new Promise((r) => setTimeout(r, 300)); // the reconnect's own catch-up wake has passed
    const t0 = Date.now();
    await db.$transaction((tx) => writer.append(tx, [{ type: 'test.ThingHappened', version: 1, subject: 'after', data: {} }]));
    await waitFor('the NOTIFY-woken publish', async () => (await unpublished()) === 0, POLL_MS - 5_000, 20);
    expect(Date.now() - t0).toBeLessThan(3_000);

    const read = await readAll(topic.topic, { expected: rows + 1, timeoutMs: 60_000 });
    const ids = new Set(read.map((m) => m.headers['ce-id']));
    const { rows: all } = await pool.query<{ event_id: string }>('SELECT event_id::text FROM outbox_events');
    expect(ids.size).toBe(all.length);
    for (const row of all) expect(ids.has(row.event_id)).toBe(true);

    child.kill('SIGTERM');
    await new Promise((resolve) => child!.once('exit', resolve));
    expect(child.exitCode, output).toBe(0);
  }, 180_000);
});
