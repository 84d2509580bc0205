// The embedded path, exercised even on machines that have their own PostgreSQL (CI):
// nothing answers on the "default address", so the resolver starts the embedded server
// in a temp dir on a free port; migrations, a write and a read go through it; stop ends it.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { embeddedServerStatus, stopEmbeddedPostgres, tcpAnswers } from '@/lib/adapters/postgres/embedded-server';
import { resolvePostgres } from '@/lib/adapters/postgres/resolve-server';
import { applyMigrations, createDatabaseIfMissing } from '@/lib/tooling/schema-engine';
import { createDb } from '@/lib/adapters/prisma/client';
import { createUser } from '@/lib/app/create-user';
import { databaseSelectionEnvSchema } from '@/lib/config/database-env';

const root = path.resolve(import.meta.dirname, '../..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('embedded PostgreSQL (no server on the default address)', () => {
  let tempDir: string | undefined;
  let dataDir: string | undefined;

  afterAll(async () => {
    if (dataDir) await stopEmbeddedPostgres(dataDir).catch(() => {});
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  });

  it('starts, takes the migrations, writes and reads, is found by a second lookup, and stops', async () => {
    tempDir = await mkdtemp(path.join(os.tmpdir(), 'signalbox-embedded-'));
    await chmod(tempDir, 0o755); // as root, the postgres user must reach the data dir inside
    dataDir = path.join(tempDir, 'postgres');
    const [silentPort, port] = [await freePort(), await freePort()];
    const env = databaseSelectionEnvSchema.parse({
      DEFAULT_POSTGRES_ADDRESS: `127.0.0.1:${silentPort}`,
      EMBEDDED_POSTGRES_PORT: String(port),
      EMBEDDED_POSTGRES_DIR: dataDir,
    });

    const resolved = await resolvePostgres({
      env,
      configuredUrl: undefined,
      root,
      database: 'signalbox',
      startEmbedded: true,
      throwaway: true,
    });
    expect(resolved?.source).toBe('embedded');
    expect(resolved?.url).toBe(`postgresql://postgres@127.0.0.1:${port}/signalbox`);
    expect(resolved?.stop).toBeTypeOf('function'); // this call started it, so it may stop it

    const url = resolved!.url;
    expect(await createDatabaseIfMissing(url)).toBe(true);
    const applied = await applyMigrations({
      url,
      schemaPath: path.join(root, 'prisma', 'schema.prisma'),
      migrationsDir: path.join(root, 'prisma', 'migrations'),
    });
    expect(applied.length).toBeGreaterThan(0);

    const db = createDb(url, { poolSize: 1 });
    try {
      const created = await createUser(db, { email: 'embedded@signalbox.test', role: 'operator' });
      const read = await db.user.findUnique({ where: { email: 'embedded@signalbox.test' } });
      expect(read?.id).toBe(created.id);
      expect(read?.role).toBe('operator');
    } finally {
      await db.$disconnect();
    }

    // A CLI (may not start one) finds the running server; a second starter reuses it.
    const lookup = await resolvePostgres({ env, configuredUrl: undefined, root, database: 'signalbox', startEmbedded: false });
    expect(lookup?.url).toBe(url);
    const again = await resolvePostgres({ env, configuredUrl: undefined, root, database: 'signalbox', startEmbedded: true });
    expect(again?.stop).toBeNull(); // not ours to stop

    await resolved!.stop!();
    expect(await embeddedServerStatus(dataDir)).toBeNull();
    expect(await tcpAnswers('127.0.0.1', port)).toBe(false);
    expect(await resolvePostgres({ env, configuredUrl: undefined, root, database: 'signalbox', startEmbedded: false })).toBeNull();
  });
});
