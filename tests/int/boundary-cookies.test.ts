// Session cookie flags (issue #12, part 3) through the real next-auth route handler
// and PostgreSQL: a credentials sign-in sets its session cookie httpOnly, SameSite=Lax,
// Path=/, and Secure (with the __Secure- prefix) when the console is served over TLS —
// NEXTAUTH_URL https, as behind a TLS-terminating proxy that sends X-Forwarded-Proto
// under TRUST_PROXY_HEADERS — and without Secure over plain http (a browser would drop
// it there). The CSRF cookie is httpOnly too (__Host- prefixed over TLS).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { createUser } from '@/lib/app/create-user';
import { createTestDatabase, type TestDatabase } from '../support/database';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let database: TestDatabase;
let db: Db;
let password = '';
const email = 'cookie@example.com';
const rows: Array<{ boundary: string; inputClass: string; outcome: string; count: number }> = [];

beforeAll(async () => {
  database = await createTestDatabase('boundary_cookies');
  db = createDb(database.url, { poolSize: 4 });
  password = (await createUser(db, { email, role: 'viewer' })).password;
  process.env.DATABASE_URL = database.url;
  process.env.NEXTAUTH_SECRET = 'c'.repeat(40);
  process.env.TRUST_PROXY_HEADERS = 'true';
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

type InternalResponse = { status?: number; body?: unknown; cookies?: Array<{ name: string; value: string; options: { httpOnly?: boolean; sameSite?: unknown; path?: string; secure?: boolean } }> };
type AuthHandlerFn = (params: { req: Record<string, unknown>; options: unknown }) => Promise<InternalResponse>;
type CookieOptions = { httponly?: boolean; samesite?: string; path?: string; secure?: boolean };

/** next-auth's cookies as { name → flags }. */
function cookiesOf(res: InternalResponse): Map<string, CookieOptions> {
  return new Map((res.cookies ?? []).map((c) => [c.name, { httponly: c.options.httpOnly, samesite: String(c.options.sameSite).toLowerCase(), path: c.options.path, secure: c.options.secure }]));
}

/**
 * A credentials sign-in through next-auth's core with the console's own options, as the
 * route handler (app/api/auth/[...nextauth]/route.ts → next-auth/next) calls it; the
 * handler itself needs Next's request scope for next/headers, which a test has not.
 */
async function signIn(base: string, headers: Record<string, string>) {
  process.env.NEXTAUTH_URL = base;
  // next-auth does not export ./core; its file, by path (the same module next-auth/next requires).
  const { AuthHandler } = createRequire(import.meta.url)(path.join(root, 'node_modules/next-auth/core/index.js')) as { AuthHandler: AuthHandlerFn };
  const { buildAuthOptions } = await import('@/lib/auth/next-auth-options');
  const csrfRes = await AuthHandler({ req: { method: 'GET', action: 'csrf', headers, cookies: {}, query: {}, body: {} }, options: buildAuthOptions() });
  expect(csrfRes.status ?? 200).toBe(200);
  const csrfToken = (csrfRes.body as { csrfToken: string }).csrfToken;
  const csrfCookies = cookiesOf(csrfRes);
  const cookies = Object.fromEntries((csrfRes.cookies ?? []).map((c) => [c.name, c.value]));
  const res = await AuthHandler({
    req: { method: 'POST', action: 'callback', providerId: 'credentials', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, cookies, query: {}, body: { csrfToken, email, password, json: 'true' } },
    options: buildAuthOptions(),
  });
  return { csrfCookies, cookies: cookiesOf(res), status: res.status };
}

describe('session cookie flags', () => {
  it('over plain http: httpOnly, SameSite=Lax, Path=/, not Secure', async () => {
    const { cookies, csrfCookies } = await signIn('http://127.0.0.1:3000', {});
    const session = cookies.get('next-auth.session-token');
    expect(session, `cookies: ${[...cookies.keys()].join(', ')}`).toBeDefined();
    expect(session).toMatchObject({ httponly: true, samesite: 'lax', path: '/' });
    expect(session!.secure).toBeFalsy();
    expect(csrfCookies.get('next-auth.csrf-token')).toMatchObject({ httponly: true, samesite: 'lax' });
    rows.push({ boundary: 'session cookie', inputClass: 'sign-in over http', outcome: 'httpOnly, SameSite=Lax, Path=/, no Secure', count: 1 });
  });

  it('over TLS (NEXTAUTH_URL https, X-Forwarded-Proto: https from a trusted proxy): Secure, __Secure- prefixed, httpOnly, SameSite=Lax', async () => {
    const { cookies, csrfCookies } = await signIn('https://console.example.com', { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.7' });
    const session = cookies.get('__Secure-next-auth.session-token');
    expect(session, `cookies: ${[...cookies.keys()].join(', ')}`).toBeDefined();
    expect(session).toMatchObject({ httponly: true, samesite: 'lax', path: '/', secure: true });
    expect(cookies.has('next-auth.session-token')).toBe(false);
    expect(csrfCookies.get('__Host-next-auth.csrf-token')).toMatchObject({ httponly: true, secure: true, path: '/' });
    rows.push({ boundary: 'session cookie', inputClass: 'sign-in over TLS (https console URL behind a trusted proxy)', outcome: 'Secure, __Secure- prefix, httpOnly, SameSite=Lax', count: 1 });
  });

  it('a wrong password sets no session cookie', async () => {
    const saved = password;
    password = 'wrong-password';
    try {
      const { cookies } = await signIn('https://console.example.com', { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.8' });
      expect(cookies.has('__Secure-next-auth.session-token')).toBe(false);
    } finally {
      password = saved;
    }
    rows.push({ boundary: 'session cookie', inputClass: 'wrong password', outcome: 'no session cookie', count: 1 });
    mkdirSync('.data/bad-input', { recursive: true });
    writeFileSync('.data/bad-input/cookies.json', JSON.stringify(rows, null, 2));
  });
});
