// Throw-away PostgreSQL databases for integration tests. Migrating a database costs
// seconds, cloning one costs milliseconds: the migrations run once into a template
// database, and every test database is a `CREATE DATABASE ... TEMPLATE` copy of it.
// Only integration tests import this; pure-code tests never touch PostgreSQL.
import { createHash, randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { resolvePostgres } from '../../lib/adapters/postgres/resolve-server';
import { databaseSelectionEnvSchema } from '../../lib/config/database-env';
import { parseEnv } from '../../lib/config/parse-env';
import { applyMigrations } from '../../lib/tooling/schema-engine';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

const TEMPLATE = 'signalbox_test_template';
// Any fixed number; serialises template checks across vitest workers (and parallel runs).
const TEMPLATE_LOCK = 732_081_551;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const schemaPath = path.join(root, 'prisma', 'schema.prisma');
const migrationsDir = path.join(root, 'prisma', 'migrations');

let serverUrl: Promise<string> | undefined;
/**
 * The server test databases are made on: TEST_DATABASE_URL_BASE; else the server on
 * DEFAULT_POSTGRES_ADDRESS (127.0.0.1:5432); else the running embedded server, which
 * `npm test` starts and hands over through TEST_DATABASE_URL_BASE (docs/testing.md).
 */
export function testServerUrl(): Promise<string> {
  serverUrl ??= (async () => {
    const env = parseEnv(databaseSelectionEnvSchema, process.env, 'tests');
    const found = await resolvePostgres({ env, configuredUrl: env.TEST_DATABASE_URL_BASE, root, database: '', startEmbedded: false });
    if (found) return found.url;
    throw new Error(
      `No PostgreSQL for the tests: nothing answers on ${env.DEFAULT_POSTGRES_ADDRESS} and the embedded server is not running. ` +
        '`npm test` starts it; for one layer or file: `npx tsx scripts/embedded-postgres.ts start` (or set TEST_DATABASE_URL_BASE).',
    );
  })();
  serverUrl.catch(() => (serverUrl = undefined));
  return serverUrl;
}

async function urlFor(database: string): Promise<string> {
  const u = new URL(await testServerUrl());
  u.pathname = `/${database}`;
  return u.toString();
}

// The template records which migrations built it, so an edited or added migration
// rebuilds it on the next run instead of silently testing against a stale schema.
let migrationsHash: Promise<string> | undefined;
function hashMigrations(): Promise<string> {
  migrationsHash ??= (async () => {
    const hash = createHash('sha256');
    hash.update(await readFile(path.join(migrationsDir, 'migration_lock.toml'), 'utf8').catch(() => ''));
    const entries = await readdir(migrationsDir, { withFileTypes: true });
    for (const dir of entries.filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
      hash.update(`\0${dir}\0`);
      hash.update(await readFile(path.join(migrationsDir, dir, 'migration.sql'), 'utf8'));
    }
    return `migrations sha256:${hash.digest('hex')}`;
  })();
  return migrationsHash;
}

async function withAdmin<T>(run: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: await urlFor('postgres') });
  await admin.connect();
  try {
    return await run(admin);
  } finally {
    await admin.end();
  }
}

// Called with the advisory lock held.
async function ensureTemplate(admin: pg.Client): Promise<void> {
  const wanted = await hashMigrations();
  const { rows } = await admin.query<{ comment: string | null }>(
    `SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`,
    [TEMPLATE],
  );
  if (rows[0]?.comment === wanted) return;
  if (rows[0]) {
    await admin.query(`ALTER DATABASE ${TEMPLATE} IS_TEMPLATE false`);
    await admin.query(`DROP DATABASE ${TEMPLATE} WITH (FORCE)`);
  }
  await admin.query(`CREATE DATABASE ${TEMPLATE}`);
  try {
    await applyMigrations({ url: await urlFor(TEMPLATE), schemaPath, migrationsDir });
  } catch (e) {
    // No half-migrated template: the next run starts over.
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE} WITH (FORCE)`);
    throw e;
  }
  // The hash is written last: a template without it is rebuilt.
  await admin.query(`COMMENT ON DATABASE ${TEMPLATE} IS ${admin.escapeLiteral(wanted)}`);
  await admin.query(`ALTER DATABASE ${TEMPLATE} IS_TEMPLATE true`);
}

function sanitize(label: string): string {
  return label.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 30) || 'db';
}

/**
 * A fresh, fully migrated database named after `label` (e.g. the test file). Call
 * `drop()` when done (afterAll): it ends every connection still open to it, then drops it.
 */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  // [a-z0-9_] only, ≤ 63 bytes (PostgreSQL's identifier limit), unique across workers.
  const name = `signalbox_test_${sanitize(label)}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdmin(async (admin) => {
    await admin.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK]);
    try {
      await ensureTemplate(admin);
      // Cloned under the lock too, so no other worker is rebuilding the template meanwhile.
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE}`);
    } finally {
      await admin.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK]);
    }
  });
  return {
    url: await urlFor(name),
    drop: () => withAdmin(async (admin) => {
      await waitForSessionsToClose(admin, name);
      // WITH (FORCE) terminates the sessions still connected (pools a test forgot to end), then drops.
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }),
  };
}

/**
 * Up to 2 s for the sessions on `name` to end. pg's `pool.end()` resolves once it has asked
 * its idle clients to end, before their connections are closed; a FORCE drop at that moment
 * terminates them mid-close, and the pool re-emits the server's 57P01 as an unhandled
 * 'error' (it failed a clean CI run through tests/int/checks.test.ts).
 */
async function waitForSessionsToClose(admin: pg.Client, name: string): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const { rows } = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
    if (rows[0]!.n === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
