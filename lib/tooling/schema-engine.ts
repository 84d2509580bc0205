// Prisma's schema engine (the part behind `migrate dev` / `migrate deploy`), run as
// WebAssembly. The Prisma CLI insists on downloading a native engine for every
// command, which cannot work offline, so the migration scripts call the same engine
// through @prisma/schema-engine-wasm and a pg driver adapter instead.
import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import {
  DriverAdapterError,
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import * as wasmBindings from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm/schema_engine_bg';

export interface MigrationsTarget {
  url: string; // database the operation is about
  schemaPath: string; // prisma/schema.prisma
  migrationsDir: string; // prisma/migrations
}

const NO_FILTERS = { externalTables: [], externalEnums: [] };
const LOCKFILE = 'migration_lock.toml';

// The package's main entry imports the .wasm file as an ES module, which plain Node
// cannot do; instantiate it by hand, once per process.
let bindings: Promise<typeof wasmBindings> | undefined;
function loadBindings(): Promise<typeof wasmBindings> {
  bindings ??= (async () => {
    const require = createRequire(import.meta.url);
    const js = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const wasmModule = new WebAssembly.Module(await readFile(js.replace(/\.js$/, '.wasm')));
    const instance = new WebAssembly.Instance(wasmModule, { './schema_engine_bg.js': wasmBindings as never });
    wasmBindings.__wbg_set_wasm(instance.exports);
    (instance.exports as { __wbindgen_start(): void }).__wbindgen_start();
    return wasmBindings;
  })();
  return bindings;
}

// @prisma/adapter-pg 7.10 rejects result columns of PostgreSQL's internal one-byte
// "char" type (OID 18), and the engine's catalog queries return some (pg_constraint.contype,
// ...), so every diff that reads a database fails with "Column type 'char' could not be
// deserialized". Report them as text, which is what they are on the wire.
class CatalogCharAsTextClient extends pg.Client {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    const callback = args.at(-1);
    if (typeof callback === 'function') args[args.length - 1] = (err: unknown, res: unknown) => callback(err, charAsText(res));
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    return result instanceof Promise ? result.then(charAsText) : result;
  }
}
function charAsText<T>(res: T): T {
  for (const r of [res].flat() as (pg.QueryResult | undefined)[]) {
    for (const field of r?.fields ?? []) if (field.dataTypeID === 18) field.dataTypeID = 25; // "char" -> text
  }
  return res;
}

// One adapter factory per operation; it owns its pools so they are all closed after.
// The shadow database is ours, not the adapter's: PrismaPg's connectToShadowDb spreads
// `database` over a config whose connectionString wins in pg, i.e. it would connect to
// the main database instead of the shadow one.
function adapterFactory(url: string, shadowUrl?: string) {
  const pools: pg.Pool[] = [];
  const ended: Promise<unknown>[] = [];
  const connectTo = async (connectionString: string): Promise<SqlDriverAdapter> => {
    const pool = new pg.Pool({ connectionString, Client: CatalogCharAsTextClient });
    pools.push(pool);
    // pool.end() resolves before the sockets close; wait for them, or a CREATE DATABASE
    // ... TEMPLATE / DROP DATABASE right after finds the database still in use.
    pool.on('connect', (client) => ended.push(new Promise((done) => client.once('end', done))));
    // Idle clients killed by a DROP DATABASE ... WITH (FORCE) must not crash the process.
    pool.on('error', () => {});
    const adapter = await new PrismaPg(pool).connect();
    // The adapter splits scripts on every ";" (string literals, function bodies, ...)
    // and runs the pieces one by one. Send the whole migration as one simple query,
    // like the native engine: PostgreSQL then runs it in a single implicit transaction.
    adapter.executeScript = async (script) => {
      try {
        await pool.query(script);
      } catch (e) {
        throw asDriverError(e);
      }
    };
    return adapter;
  };
  const factory: SqlMigrationAwareDriverAdapterFactory = {
    provider: 'postgres',
    adapterName: '@prisma/adapter-pg',
    connect: () => connectTo(url),
    connectToShadowDb: async () => {
      if (!shadowUrl) throw new Error('this operation does not use a shadow database');
      return connectTo(shadowUrl);
    },
  };
  const close = async () => {
    await Promise.all(pools.map((p) => p.end().catch(() => {})));
    await Promise.all(ended);
  };
  return { factory, close };
}

// The engine turns this into "Error querying the database: ERROR: ..." with the details.
function asDriverError(e: unknown): unknown {
  if (!(e instanceof pg.DatabaseError)) return e;
  const { code = 'N/A', severity = 'N/A', message, detail, column, hint } = e;
  return new DriverAdapterError({ kind: 'postgres', code, severity, message, detail, column, hint });
}

// The engine logs JSON lines; keep warnings and errors, drop the chatter.
function engineLog(line: string): void {
  if (!/"level":"(WARN|ERROR)"/.test(line)) return;
  const { fields } = JSON.parse(line) as { fields?: { message?: string } };
  console.warn(`schema engine: ${fields?.message ?? line}`);
}

async function withEngine<T>(
  schemaPath: string,
  adapter: ReturnType<typeof adapterFactory>,
  run: (engine: SchemaEngine, schema: { path: string; content: string }) => Promise<T>,
): Promise<T> {
  const { SchemaEngine } = await loadBindings();
  const content = await readFile(schemaPath, 'utf8');
  const bound = bindMigrationAwareSqlAdapterFactory(adapter.factory);
  let engine: SchemaEngine | undefined;
  try {
    engine = await SchemaEngine.new({ datamodels: [[schemaPath, content]] }, engineLog, bound);
    return await run(engine, { path: schemaPath, content });
  } finally {
    engine?.free();
    await adapter.close();
  }
}

// Same shape as the Prisma CLI builds: sorted folders, each with its migration.sql.
async function readMigrations(migrationsDir: string): Promise<MigrationList> {
  const baseDir = path.resolve(migrationsDir);
  const lock = await readFile(path.join(baseDir, LOCKFILE), 'utf8').catch(() => null);
  const entries = await readdir(baseDir, { withFileTypes: true }).catch(() => []);
  const folders = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const read = (folder: string) =>
    readFile(path.join(baseDir, folder, 'migration.sql'), 'utf8').then(
      (value) => ({ tag: 'ok' as const, value }),
      (e: Error) => ({ tag: 'error' as const, value: e.message }), // the engine reports it
    );
  const migrationDirectories = await Promise.all(
    folders.map(async (folder) => ({ path: folder, migrationFile: { path: 'migration.sql', content: await read(folder) } })),
  );
  return { baseDir, lockfile: { path: LOCKFILE, content: lock }, shadowDbInitScript: '', migrationDirectories };
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

// Database-level statements go through the server's `postgres` database.
async function withAdmin<T>(url: string, run: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await admin.connect();
  try {
    return await run(admin);
  } finally {
    await admin.end();
  }
}

/** Creates the database named in `url` (connecting to `postgres` on the same server). Returns whether it did. */
export async function createDatabaseIfMissing(url: string): Promise<boolean> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (!name) throw new Error('the database URL names no database');
  return withAdmin(url, async (admin) => {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    try {
      await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
      return true;
    } catch (e) {
      // Created concurrently: 42P04, or 23505 when both passed the check above.
      if (e instanceof pg.DatabaseError && (e.code === '42P04' || e.code === '23505')) return false;
      throw e;
    }
  });
}

/**
 * SQL that takes a database built from `migrationsDir` to the schema in `schemaPath`
 * ('' when they match). The migrations are replayed into a throw-away shadow database
 * on the server of `url`, dropped afterwards; `url`'s own database is not touched.
 */
export async function diffMigrationsToSchema({ url, schemaPath, migrationsDir }: MigrationsTarget): Promise<string> {
  const migrationsList = await readMigrations(migrationsDir);
  // The engine needs the provider even before the first migration exists.
  migrationsList.lockfile.content ??= 'provider = "postgresql"\n';
  const shadowName = `signalbox_shadow_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
  const shadowUrl = withDatabase(url, shadowName);
  return withAdmin(url, async (admin) => {
    await admin.query(`CREATE DATABASE ${quoteIdent(shadowName)}`);
    try {
      // The main connection goes to the shadow too: a diff has no business with `url`'s database.
      const result = await withEngine(schemaPath, adapterFactory(shadowUrl, shadowUrl), (engine, schema) =>
        engine.diff({
          from: { tag: 'migrations', ...migrationsList },
          to: { tag: 'schemaDatamodel', files: [schema] },
          script: true,
          exitCode: true, // 2 = there is a difference, 0 = none
          filters: NO_FILTERS,
        }),
      );
      return result.exitCode === 2 ? (result.stdout ?? '') : '';
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(shadowName)} WITH (FORCE)`);
    }
  });
}

/** `prisma migrate deploy`: applies pending migrations, recorded in _prisma_migrations. */
export async function applyMigrations({ url, schemaPath, migrationsDir }: MigrationsTarget): Promise<string[]> {
  const migrationsList = await readMigrations(migrationsDir);
  const { appliedMigrationNames } = await withEngine(schemaPath, adapterFactory(url), (engine) =>
    engine.applyMigrations({ migrationsList, filters: NO_FILTERS }),
  );
  return appliedMigrationNames;
}
