// Stops the console server and drops the e2e database that global setup recorded.
import { rm } from 'node:fs/promises';
import { usersFile } from './support/env';
import { cleanUpRecordedRun } from './support/server';

export default async function globalTeardown(): Promise<void> {
  if (process.env.E2E_KEEP === '1') {
    console.log('[e2e teardown] E2E_KEEP=1: leaving the server and database running (see .data/e2e/state.json)');
    return;
  }
  // Leaves another e2e run's server and database alone (e.g. when this run's setup
  // refused to start because that run was in progress).
  if (await cleanUpRecordedRun((line) => console.log(`[e2e teardown] ${line}`))) {
    await rm(usersFile, { force: true });
  }
}
