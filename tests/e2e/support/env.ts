// Where the e2e run keeps its state, shared by playwright.config.ts, global setup and
// teardown, and the specs. Nothing here is secret beyond the run: the users' passwords
// are generated per run and live in .data/e2e/ (git-ignored, mode 0600).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const e2eDir = path.join(repoRoot, '.data', 'e2e');
/** The e-mails and generated passwords of this run's users. */
export const usersFile = path.join(e2eDir, 'users.json');
/** What teardown needs: the server's pid and the database to drop. */
export const stateFile = path.join(e2eDir, 'state.json');
/** stdout + stderr of `next start`. */
export const serverLogFile = path.join(e2eDir, 'server.log');

/** SIGNIN_MAX_FAILURES for the e2e server: small, so the throttle test is short. */
export const SIGNIN_MAX_FAILURES = 3;

export function e2ePort(): number {
  const raw = process.env.E2E_PORT ?? '3210';
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1024 || port > 65535) {
    throw new Error(`E2E_PORT must be a port number between 1024 and 65535, got '${raw}'`);
  }
  return port;
}

export function e2eBaseUrl(): string {
  return `http://127.0.0.1:${e2ePort()}`;
}

export type E2eUserKey = 'admin' | 'operator' | 'viewer' | 'throttled';

/** The users global setup creates. `throttled` exists only for the throttle test. */
export const e2eUserSpecs: Record<E2eUserKey, { email: string; role: 'admin' | 'operator' | 'viewer'; name: string }> = {
  admin: { email: 'admin@e2e.signalbox.test', role: 'admin', name: 'E2E Admin' },
  operator: { email: 'operator@e2e.signalbox.test', role: 'operator', name: 'E2E Operator' },
  viewer: { email: 'viewer@e2e.signalbox.test', role: 'viewer', name: 'E2E Viewer' },
  throttled: { email: 'throttled@e2e.signalbox.test', role: 'viewer', name: 'E2E Throttled' },
};

export interface E2eUser {
  email: string;
  role: 'admin' | 'operator' | 'viewer';
  password: string;
}

export interface E2eState {
  /** The Playwright runner that owns the server and database (its global setup's pid). */
  runnerPid: number;
  serverPid: number | null;
  databaseName: string | null;
  databaseUrl: string | null;
  baseUrl: string;
  startedAt: string;
}
