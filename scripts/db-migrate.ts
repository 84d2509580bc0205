// `npm run db:migrate`: the offline stand-in for `prisma migrate deploy`. Creates the
// database when missing, then applies the pending prisma/migrations through Prisma's
// schema engine (WebAssembly), recorded in _prisma_migrations as the CLI would.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyMigrations, createDatabaseIfMissing } from '../lib/tooling/schema-engine';
import { loadEnvOrExit } from '../lib/config/parse-env';
import { adoptRunningDatabase } from '../lib/adapters/postgres/resolve-server';
import { migrateEnvSchema } from '../lib/config/schemas';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// Never print a password that may be in the URL.
function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

async function main(): Promise<void> {
  // Exits 78 with a message naming DATABASE_URL when it is not a postgresql:// URL.
  await adoptRunningDatabase(); // DATABASE_URL unset: the server the demo uses (docs/database.md)
  const { DATABASE_URL: url } = loadEnvOrExit(migrateEnvSchema, 'db:migrate');
  if (new URL(url).pathname.length <= 1) throw new Error('DATABASE_URL must name a database');

  if (await createDatabaseIfMissing(url)) console.log(`created database ${redact(url)}`);
  const applied = await applyMigrations({
    url,
    schemaPath: path.join(root, 'prisma', 'schema.prisma'),
    migrationsDir: path.join(root, 'prisma', 'migrations'),
  });
  if (applied.length === 0) console.log(`${redact(url)}: no pending migrations`);
  else console.log(`${redact(url)}: applied ${applied.length} migration(s):\n${applied.map((n) => `  ${n}`).join('\n')}`);
}

main().catch((e: unknown) => {
  console.error(`db:migrate failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
