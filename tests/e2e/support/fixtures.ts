// The `test` every spec uses. (Fixture callbacks name Playwright's `use` `provide`, so
// the React hooks lint rule does not mistake them for hooks.) Two things on top of Playwright's own:
//
// - Each test signs in from its own client address. The console throttles sign-in per
//   e-mail AND per client address (lib/app/verify-credentials.ts), and every request of
//   the run comes from 127.0.0.1: without this, three wrong passwords anywhere in the run
//   (SIGNIN_MAX_FAILURES=3 here) would lock every later test out. The address is sent as
//   X-Forwarded-For, which lib/auth/client-address.ts reads, as it would behind a proxy.
// - No request may leave this machine: anything not addressed to 127.0.0.1/localhost is
//   aborted (and recorded, so a test can assert that none was attempted), e.g. when an
//   open-redirect test would otherwise follow https://evil.example.
import { test as base, expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { usersFile, type E2eUser, type E2eUserKey } from './env';

let cachedUsers: Record<E2eUserKey, E2eUser> | undefined;

/** The users global setup created, with their generated passwords. */
export function e2eUsers(): Record<E2eUserKey, E2eUser> {
  cachedUsers ??= JSON.parse(readFileSync(usersFile, 'utf8')) as Record<E2eUserKey, E2eUser>;
  return cachedUsers;
}

let addressCounter = 0;

/** A client address no other test in this run uses (loopback range, never contacted). */
export function freshClientAddress(): string {
  addressCounter += 1;
  return `127.10.${process.pid % 250}.${addressCounter % 250}`;
}

export async function setClientAddress(page: Page, address: string): Promise<void> {
  await page.setExtraHTTPHeaders({ 'x-forwarded-for': address });
}

interface Fixtures {
  users: Record<E2eUserKey, E2eUser>;
  clientAddress: string;
  /** Hosts of requests that were aborted because they would have left this machine. */
  blockedRequests: string[];
}

const LOCAL = new Set(['127.0.0.1', 'localhost', '[::1]']);

export const test = base.extend<Fixtures>({
  users: async ({}, provide) => provide(e2eUsers()),
  clientAddress: async ({}, provide) => provide(freshClientAddress()),
  blockedRequests: async ({ context }, provide) => {
    const blocked: string[] = [];
    await context.route(
      (url) => !(url.protocol === 'data:' || url.protocol === 'blob:' || LOCAL.has(url.hostname)),
      async (route) => {
        blocked.push(new URL(route.request().url()).host);
        await route.abort('blockedbyclient');
      },
    );
    await provide(blocked);
  },
  page: async ({ page, clientAddress, blockedRequests }, provide) => {
    void blockedRequests; // installed before the first navigation
    await setClientAddress(page, clientAddress);
    await provide(page);
  },
});

export { expect };
