// PostgreSQL restarted in immediate mode (no checkpoint, crash recovery) under load,
// with the relay worker running as its own process. The test owns the cluster it
// restarts (tests/support/own-postgres.ts), so the shared server is never touched.
// Afterwards nothing is left unpublished and every outbox row reached Kafka (each
// event id on the topic exactly as many distinct times as there are rows).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { createOutboxWriter } from '@/lib/adapters/outbox/outbox-writer';
import { applyMigrations } from '@/lib/tooling/schema-engine';
import { startOwnPostgres, type OwnPostgres } from '../support/own-postgres';
import { createTestTopic, kafkaBrokers, readAll, type TestTopic } from '../support/kafka';
import { waitFor } from '../support/wait-for';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

let cluster: OwnPostgres;
let url: string;
let db: Db;
let pool: pg.Pool;
let topic: TestTopic;
let child: ChildProcess | undefined;

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
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await topic?.cleanup();
  await db?.$disconnect().catch(() => undefined);
  await pool?.end().catch(() => undefined);
  await cluster?.remove();
}, 60_000);

async function count(sql: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(sql);
  return rows[0]!.n;
}

describe('faults: PostgreSQL restarts (immediate mode) under load', () => {
  it('the relay keeps running and publishes every committed row once it is back', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'workers/outbox-relay/index.ts'], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: url,
        KAFKA_BROKERS: kafkaBrokers().join(','),
        RELAY_POLL_MS: '200',
        RELAY_MAX_BACKOFF_MS: '1000',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    let exit: string | undefined;
    child.on('exit', (code, signal) => (exit = `exited (${signal ?? code})`));

    // A stream of outbox writes that outlives the restart: failures (the server is
    // down) are retried; whether a commit in flight at the crash survived is for the
    // table to say, so the rows are counted there at the end.
    const writer = createOutboxWriter({ source: '/test/pg-restart', topicFor: () => topic.topic });
    let writing = true;
    let written = 0;
    let failedWrites = 0;
    const load = (async () => {
      while (writing) {
        try {
          await db.$transaction((tx) =>
            writer.append(
              tx,
              Array.from({ length: 10 }, (_, j) => ({
                type: 'test.ThingHappened',
                version: 1,
                subject: `s-${(written + j) % 30}`,
                data: { written, j },
              })),
            ),
          );
          written++;
        } catch {
          failedWrites++;
          await new Promise((r) => setTimeout(r, 100));
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    })();

    try {
      await waitFor(
        'the relay to publish under load',
        async () => (await count('SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NOT NULL')) > 200,
        30_000,
        50,
      );
      const before = written;
      await cluster.restart('immediate');
      await waitFor('writes to succeed again after the restart', async () => written > before + 30, 60_000, 100);
      expect(exit, output).toBeUndefined();
    } finally {
      writing = false;
      await load;
    }
    expect(failedWrites, 'the restart interrupted the writers').toBeGreaterThan(0);

    await waitFor(
      'nothing left unpublished',
      async () => (await count('SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL')) === 0,
      60_000,
      100,
    );
    expect(exit, output).toBeUndefined();

    const { rows } = await pool.query<{ event_id: string }>('SELECT event_id::text FROM outbox_events');
    const read = await readAll(topic.topic, { expected: rows.length, timeoutMs: 60_000 });
    const ids = new Set(read.map((m) => m.headers['ce-id']));
    expect(ids.size).toBe(rows.length); // no event on the topic that is not a row
    for (const row of rows) expect(ids.has(row.event_id)).toBe(true);

    child.kill('SIGTERM');
    await new Promise((resolve) => child!.once('exit', resolve));
    expect(child.exitCode, output).toBe(0);
  }, 240_000);
});
