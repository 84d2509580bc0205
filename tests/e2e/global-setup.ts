// Global setup of the e2e run: a fresh migrated database, this run's users, and the
// production console (`next start`) on 127.0.0.1, ready when /api/health answers 200.
// Everything it starts is recorded in .data/e2e/state.json so global teardown (or the
// next run, after a crash) can stop and drop it.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, closeSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createTestDatabase, testServerUrl } from '../support/database';
import { TEST_TOPIC_PREFIX } from '../support/test-topic-prefix';
import { createUser } from '../../lib/app/create-user';
import { createDb } from '../../lib/adapters/prisma/client';
import {
  SIGNIN_MAX_FAILURES,
  e2eBaseUrl,
  e2eDir,
  e2ePort,
  e2eUserSpecs,
  repoRoot,
  serverLogFile,
  stateFile,
  usersFile,
  type E2eState,
  type E2eUser,
  type E2eUserKey,
} from './support/env';
import {
  assertLocalDatabaseUrl,
  cleanUpRecordedRun,
  dropDatabase,
  ownedByAnotherLiveRun,
  portAnswers,
  readState,
  stopServer,
} from './support/server';

const HEALTH_TIMEOUT_MS = Number(process.env.E2E_SERVER_TIMEOUT_MS ?? 90_000);

function log(line: string): void {
  console.log(`[e2e setup] ${line}`);
}

async function tail(file: string, lines = 40): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').slice(-lines).join('\n');
}

async function waitForHealth(baseUrl: string, server: { exited: () => number | null | undefined }): Promise<void> {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let last = 'no answer';
  while (Date.now() < deadline) {
    const code = server.exited();
    if (code !== undefined) {
      throw new Error(`next start exited (code ${code}) before /api/health answered. Last lines of ${serverLogFile}:\n${await tail(serverLogFile)}`);
    }
    try {
      const res = await fetch(`${baseUrl}/api/health`, { signal: AbortSignal.timeout(5_000) });
      if (res.status === 200) return;
      last = `HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `${baseUrl}/api/health did not answer 200 within ${HEALTH_TIMEOUT_MS / 1000}s (last: ${last}). ` +
      `Last lines of ${serverLogFile}:\n${await tail(serverLogFile)}`,
  );
}

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const buildId = path.join(repoRoot, '.next', 'BUILD_ID');
  if (!existsSync(buildId)) {
    throw new Error(
      'e2e: no production build (.next/BUILD_ID is missing). The e2e tests run against `next start`: ' +
        'run `npm run build` first (npm test does it for you).',
    );
  }

  await mkdir(e2eDir, { recursive: true });
  // A previous run that crashed before its teardown left a server and a database behind.
  const previous = await readState();
  if (previous && ownedByAnotherLiveRun(previous)) {
    throw new Error(
      `e2e: another e2e run (Playwright runner pid ${previous.runnerPid}, started ${previous.startedAt}) is in progress ` +
        'in this work tree; wait for it to finish (or stop it) and try again. If none is running, delete .data/e2e/state.json.',
    );
  }
  await cleanUpRecordedRun(log);

  // npm test hands the server over in TEST_DATABASE_URL_BASE (the embedded one when nothing else answers).
  const databaseBase = await testServerUrl();
  assertLocalDatabaseUrl(databaseBase, 'TEST_DATABASE_URL_BASE');

  const port = e2ePort();
  const baseUrl = e2eBaseUrl();
  if (await portAnswers(port)) {
    throw new Error(`e2e: port ${port} on 127.0.0.1 is already in use by another process; free it or set E2E_PORT to another port.`);
  }

  const state: E2eState = { runnerPid: process.pid, serverPid: null, databaseName: null, databaseUrl: null, baseUrl, startedAt: new Date().toISOString() };
  const saveState = () => writeFile(stateFile, `${JSON.stringify(state, null, 2)}\n`);

  try {
    const database = await createTestDatabase('e2e');
    assertLocalDatabaseUrl(database.url, 'the e2e database URL');
    state.databaseUrl = database.url;
    state.databaseName = new URL(database.url).pathname.slice(1);
    await saveState();
    log(`database ${state.databaseName} (migrated template clone)`);

    const db = createDb(database.url, { poolSize: 2 });
    const users = {} as Record<E2eUserKey, E2eUser>;
    try {
      for (const [key, spec] of Object.entries(e2eUserSpecs) as Array<[E2eUserKey, (typeof e2eUserSpecs)[E2eUserKey]]>) {
        const created = await createUser(db, { email: spec.email, role: spec.role, name: spec.name });
        users[key] = { email: created.email, role: spec.role, password: created.password };
      }
    } finally {
      await db.$disconnect();
    }
    await writeFile(usersFile, `${JSON.stringify(users, null, 2)}\n`, { mode: 0o600 });
    await chmod(usersFile, 0o600);
    log(`users: ${Object.values(users).map((u) => `${u.email} (${u.role})`).join(', ')}`);

    const nextBin = createRequire(import.meta.url).resolve('next/dist/bin/next');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: database.url,
      NEXTAUTH_SECRET: randomBytes(36).toString('base64url'), // 48 characters
      NEXTAUTH_URL: baseUrl,
      SIGNIN_MAX_FAILURES: String(SIGNIN_MAX_FAILURES),
      SIGNIN_WINDOW_SECONDS: '900',
      SIGNIN_LOCK_SECONDS: '600',
      // The specs give each test its own client address through X-Forwarded-For.
      TRUST_PROXY_HEADERS: 'true',
      // The same topics as the demo workers the specs start (tests/support/demo-workers.ts).
      KAFKA_TOPIC_PREFIX: TEST_TOPIC_PREFIX,
      NEXT_TELEMETRY_DISABLED: '1',
      HOSTNAME: '127.0.0.1',
      PORT: String(port),
    };
    const logFd = openSync(serverLogFile, 'w');
    let exitCode: number | null | undefined;
    const child = spawn(process.execPath, [nextBin, 'start', '--hostname', '127.0.0.1', '--port', String(port)], {
      cwd: repoRoot,
      env,
      // Own process group, so teardown can stop the server and the worker it forks.
      detached: true,
      stdio: ['ignore', logFd, logFd],
    });
    closeSync(logFd);
    child.once('exit', (code, signal) => {
      exitCode = code ?? (signal ? -1 : null);
    });
    child.unref();
    state.serverPid = child.pid ?? null;
    await saveState();
    log(`next start (pid ${child.pid}) on ${baseUrl}, log ${path.relative(repoRoot, serverLogFile)}`);

    await waitForHealth(baseUrl, { exited: () => exitCode });
    log(`console ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  } catch (error) {
    // Leave nothing behind when setup itself fails (teardown may not run).
    if (state.serverPid) await stopServer(state.serverPid).catch(() => {});
    if (state.databaseUrl) await dropDatabase(state.databaseUrl).catch(() => {});
    await rm(stateFile, { force: true }).catch(() => {});
    throw error;
  }
}
