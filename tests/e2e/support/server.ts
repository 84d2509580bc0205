// Process and database helpers shared by global setup and teardown.
import { readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import pg from 'pg';
import { stateFile, type E2eState } from './env';

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Refuses anything but a database on this machine: e2e creates and drops databases. */
export function assertLocalDatabaseUrl(url: string, what: string): void {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    throw new Error(`e2e: ${what} is not a URL: ${url}`);
  }
  if (!LOCAL_HOSTS.has(host)) {
    throw new Error(
      `e2e: refusing to run against a non-local database (${what} host is '${host}'). ` +
        'The e2e run creates and drops databases; point it at 127.0.0.1 or localhost.',
    );
  }
}

export function portAnswers(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Is `pid` a Next.js server (guards against a recycled pid from an old state file)? */
function isNextServer(pid: number): boolean {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    return /next/.test(cmd);
  } catch {
    return false;
  }
}

/** SIGTERM to the server's process group, SIGKILL after `graceMs`. */
export async function stopServer(pid: number, graceMs = 10_000): Promise<void> {
  if (!alive(pid) || !isNextServer(pid)) return;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig); // the whole group: next start forks a worker
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* gone already */
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) signal('SIGKILL');
}

/** Drops the e2e database by URL (connections are ended first). */
export async function dropDatabase(url: string): Promise<void> {
  assertLocalDatabaseUrl(url, 'the e2e database URL');
  const target = new URL(url);
  const name = target.pathname.slice(1);
  if (!/^signalbox_test_e2e_[a-z0-9_]+$/.test(name)) {
    throw new Error(`e2e: refusing to drop '${name}': not an e2e test database`);
  }
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

export async function readState(): Promise<E2eState | null> {
  try {
    return JSON.parse(await readFile(stateFile, 'utf8')) as E2eState;
  } catch {
    return null;
  }
}

/** Is the recorded run another e2e run that is still going (its runner is alive)? */
export function ownedByAnotherLiveRun(state: E2eState): boolean {
  return Boolean(state.runnerPid) && state.runnerPid !== process.pid && alive(state.runnerPid);
}

/**
 * Stops the server and drops the database a run recorded, unless that run is another e2e
 * run still in progress in this work tree (its Playwright runner is alive): that one is
 * left alone. Returns whether it cleaned up (false: nothing recorded, or another run's).
 */
export async function cleanUpRecordedRun(log: (line: string) => void): Promise<boolean> {
  const state = await readState();
  if (!state || ownedByAnotherLiveRun(state)) return false;
  if (state.runnerPid !== process.pid) log(`cleaning up after an earlier run that did not tear down (${state.startedAt})`);
  if (state.serverPid) {
    await stopServer(state.serverPid);
    log(`stopped console server (pid ${state.serverPid})`);
  }
  if (state.databaseUrl) {
    await dropDatabase(state.databaseUrl);
    log(`dropped database ${state.databaseName ?? state.databaseUrl}`);
  }
  await rm(stateFile, { force: true });
  return true;
}
