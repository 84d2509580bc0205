// The demo's workers as child processes of a test, against the test's database and the
// shared Kafka, with a group prefix of the test's own (workers/*, run with tsx as
// `npm run demo` does); and the database snapshot an e2e spec takes first so it can leave
// the database as it found it (tables that were empty emptied again, the knobs restored;
// rows seeded by migrations, users, audit log and tokens stay). Used by
// tests/int/checks-knobs.test.ts and tests/e2e/runbooks.spec.ts (consumer-lag.spec.ts
// has its own copy).
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

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
  /** `logDir/<logPrefix>-<worker>.log` gets each worker's output. */
  constructor(private readonly o: { databaseUrl: string; prefix: string; logDir: string; logPrefix: string; env?: Record<string, string> }) {
    mkdirSync(o.logDir, { recursive: true });
  }

  /** Starts `file` as the worker `name` (one process per name; start again after `stop`). */
  start(name: string, file: string, env: Record<string, string> = {}): void {
    const log = openSync(path.join(this.o.logDir, `${this.o.logPrefix}-${name}.log`), 'a');
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: repoRoot,
      env: { ...process.env, NODE_ENV: 'production', DATABASE_URL: this.o.databaseUrl, KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092', KAFKA_GROUP_PREFIX: this.o.prefix, LOG_LEVEL: 'warn', ...this.o.env, ...env },
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

/** What a spec restores afterwards: the tables empty at its start and the demo knobs. */
export async function snapshotDatabase(databaseUrl: string): Promise<() => Promise<void>> {
  const keep = ['users', 'audit_log', 'sign_in_throttle', 'api_tokens', '_prisma_migrations', 'demo_knobs'];
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
