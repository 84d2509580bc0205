// A PostgreSQL cluster a test owns outright, for faults that must not touch the shared
// server (restart it, kill it): initdb into a temp dir as the `postgres` system user
// (PostgreSQL refuses to run as root), on a free loopback port, trust auth. The test
// removes it afterwards with remove().
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export interface OwnPostgres {
  port: number;
  dataDir: string;
  /** A connection URL for `database` (default 'postgres'). */
  url(database?: string): string;
  createDatabase(name: string): Promise<string>;
  /** pg_ctl restart in the given mode (immediate: no checkpoint, crash recovery at start). */
  restart(mode?: 'smart' | 'fast' | 'immediate'): Promise<void>;
  stop(mode?: 'smart' | 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** Stops it (immediately) and deletes its directory. */
  remove(): Promise<void>;
}

function binDir(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(path.join(base, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error(`own-postgres: no PostgreSQL binaries under ${base}/*/bin`);
  return path.join(base, newest, 'bin');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Runs a PostgreSQL binary as the `postgres` user when we are root (it refuses root). */
async function asPostgres(bin: string, args: string[]): Promise<string> {
  const asRoot = userInfo().uid === 0;
  const [command, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  try {
    const { stdout } = await run(command, argv, { timeout: 120_000 });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`own-postgres: ${path.basename(bin)} ${args[0]} failed: ${e.stderr || e.message}`);
  }
}

export async function startOwnPostgres(label = 'pg'): Promise<OwnPostgres> {
  const bin = binDir();
  const dataDir = mkdtempSync(path.join(tmpdir(), `signalbox-${label}-`));
  if (userInfo().uid === 0) chownSync(dataDir, ...(await postgresIds()));
  const port = await freePort();
  await asPostgres(path.join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  // The socket goes into the data dir, so nothing is shared with the system cluster.
  const options = `-p ${port} -k ${dataDir} -c listen_addresses=127.0.0.1 -c max_connections=100`;
  const ctl = (args: string[]) => asPostgres(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-w', '-t', '60', ...args]);
  const logFile = path.join(dataDir, 'server.log');
  const url = (database = 'postgres') => `postgresql://postgres@127.0.0.1:${port}/${database}`;
  const cluster: OwnPostgres = {
    port,
    dataDir,
    url,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    restart: async (mode = 'fast') => void (await ctl(['-m', mode, '-o', options, '-l', logFile, 'restart'])),
    stop: async (mode = 'fast') => void (await ctl(['-m', mode, 'stop'])),
    start: async () => void (await ctl(['-o', options, '-l', logFile, 'start'])),
    async remove() {
      await ctl(['-m', 'immediate', 'stop']).catch(() => undefined); // already stopped is fine
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await cluster.start();
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return cluster;
}

async function postgresIds(): Promise<[number, number]> {
  const { stdout } = await run('id', ['-u', 'postgres']);
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  return [Number(stdout.trim()), Number(gid.trim())];
}
