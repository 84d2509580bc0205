// The demo's workers as child processes of a test (workers/*, run with tsx as `npm run demo`
// does), against the test's database and the shared Kafka, with a group prefix of the
// test's own and the tests' topic prefix (`signalbox-tests.orders.lifecycle.v1`,
// `signalbox-tests.signalbox.replay.<consumer>.v1`: a `npm run demo` on the same broker never
// sees a test's orders or replays); their consumer groups put at the topics' current end
// first (`startGroupsAtEnd`); the demo knobs a test starts with (`putDemoKnobs`); and the
// database snapshot an e2e spec takes first so it can leave the database as it found it
// (tables that were empty emptied again, the knobs restored; rows seeded by migrations,
// users, audit log and tokens stay). Used by tests/int/checks-knobs.test.ts and the e2e
// specs that run the demo's workers (consumer-lag, dlq-demo, traces-workers, projections,
// runbooks).
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createKafka, ensureTopics } from '../../lib/adapters/kafka/kafka-client';
import { replayTopicFor } from '../../lib/backbone/consumer-definition';
import { topicNamespace } from '../../lib/config/topic-prefix-env';
import { ordersTopicFor } from '../../lib/demo/orders/events';
import { demoTopics } from '../../lib/demo/topics';
import { kafkaBrokers } from './kafka';
import { TEST_TOPIC_PREFIX } from './test-topic-prefix';

const testNamespace = topicNamespace({ KAFKA_TOPIC_PREFIX: TEST_TOPIC_PREFIX });
/** The orders topic the tests' demo processes use. */
export const TEST_ORDERS_TOPIC = ordersTopicFor(testNamespace);
/** The replay topic of `consumer` in the tests' processes. */
export const testReplayTopicOf = (consumer: string) => replayTopicFor(testNamespace, consumer);

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export async function sql<T extends pg.QueryResultRow>(databaseUrl: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

export class DemoWorkers {
  private readonly children = new Map<string, ChildProcess>();
  private readonly logged = new Set<string>();
  /**
   * `logDir/<logPrefix>-<worker>.log` gets each worker's output (emptied at its first start
   * here, appended to when it is started again); `env` is added to every worker's.
   */
  constructor(private readonly o: { databaseUrl: string; prefix: string; logDir: string; logPrefix: string; env?: Record<string, string> }) {
    mkdirSync(o.logDir, { recursive: true });
  }

  /** Starts `file` as the worker `name` (one process per name; start again after `stop`). */
  start(name: string, file: string, env: Record<string, string> = {}): void {
    const log = openSync(path.join(this.o.logDir, `${this.o.logPrefix}-${name}.log`), this.logged.has(name) ? 'a' : 'w');
    this.logged.add(name);
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: repoRoot,
      env: { ...process.env, NODE_ENV: 'production', DATABASE_URL: this.o.databaseUrl, KAFKA_BROKERS: kafkaBrokers().join(','), KAFKA_GROUP_PREFIX: this.o.prefix, KAFKA_TOPIC_PREFIX: TEST_TOPIC_PREFIX, LOG_LEVEL: 'warn', ...this.o.env, ...env },
      detached: true, // own process group: stopped with everything it forks
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.children.set(name, child);
  }

  /** SIGTERM to the worker's process group (SIGKILL after 10 s); resolves when it has exited. */
  stop(name: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const c = this.children.get(name);
    this.children.delete(name);
    return new Promise<void>((resolve) => {
      if (!c || c.exitCode !== null || c.signalCode !== null || c.pid === undefined) return resolve();
      const kill = setTimeout(() => {
        try { process.kill(-c.pid!, 'SIGKILL'); } catch { /* gone */ }
      }, 10_000);
      c.once('exit', () => { clearTimeout(kill); resolve(); });
      try { process.kill(-c.pid, signal); } catch { clearTimeout(kill); resolve(); }
    });
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.children.keys()].map((name) => this.stop(name)));
  }
}

/**
 * The groups `<prefix>.<consumer>` start at the current end of the tests' demo topic and of each
 * consumer's replay topic (both created when missing). The topics on the shared broker hold
 * every earlier run's events: a new group would otherwise start at their beginning and work
 * through orders this database never had first (and its lag would fall while it caught up).
 * Explicit offsets: kafkajs's resetOffsets commits -1, which a joining consumer reads as "no
 * offset" and then starts from the beginning after all.
 */
export async function startGroupsAtEnd(prefix: string, consumers: readonly string[]): Promise<void> {
  const admin = createKafka({ brokers: kafkaBrokers(), clientId: `${prefix}-setup` }).admin();
  await admin.connect();
  try {
    const [main] = demoTopics(6, TEST_ORDERS_TOPIC);
    await ensureTopics(admin, [main!, ...consumers.map((c) => ({ topic: testReplayTopicOf(c), partitions: 3 }))]);
    for (const consumer of consumers) {
      for (const topic of [main!.topic, testReplayTopicOf(consumer)]) {
        const ends = await admin.fetchTopicOffsets(topic);
        await admin.setOffsets({ groupId: `${prefix}.${consumer}`, topic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })) });
      }
    }
  } finally {
    await admin.disconnect();
  }
}

/** The demo knobs (the row the workers re-read every second) set to `settings`, whatever they were. */
export async function putDemoKnobs(databaseUrl: string, settings: Record<string, unknown>): Promise<void> {
  await sql(databaseUrl, `INSERT INTO demo_knobs (id, settings) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET settings = EXCLUDED.settings`, [JSON.stringify(settings)]);
}

/**
 * What a spec restores afterwards: the tables empty at its start and the demo knobs.
 * `keepAlso` names further tables the restore leaves alone (the spec restores them itself).
 */
export async function snapshotDatabase(databaseUrl: string, keepAlso: readonly string[] = []): Promise<() => Promise<void>> {
  const keep = ['users', 'audit_log', 'sign_in_throttle', 'api_tokens', '_prisma_migrations', 'demo_knobs', ...keepAlso];
  const tables = await sql<{ tablename: string }>(databaseUrl, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND NOT (tablename = ANY($1))`, [keep]);
  const emptyAtStart: string[] = [];
  for (const { tablename } of tables) {
    const [row] = await sql<{ any: boolean }>(databaseUrl, `SELECT EXISTS (SELECT 1 FROM "${tablename}") AS any`);
    if (!row?.any) emptyAtStart.push(tablename);
  }
  const knobs = (await sql<{ settings: unknown }>(databaseUrl, `SELECT settings FROM demo_knobs WHERE id = 1`))[0]?.settings ?? null;
  return async () => {
    if (emptyAtStart.length) await sql(databaseUrl, `TRUNCATE ${emptyAtStart.map((t) => `"${t}"`).join(', ')}`);
    if (knobs === null) await sql(databaseUrl, `DELETE FROM demo_knobs`);
    else await sql(databaseUrl, `UPDATE demo_knobs SET settings = $1 WHERE id = 1`, [JSON.stringify(knobs)]);
  };
}
