// Security crawl (issue #12): every page and route handler, discovered from app/ on disk
// (support/route-inventory.ts), is tried against the production server:
// - without a session it refuses (pages redirect to sign-in, API routes answer 401 JSON);
// - every state-changing method refuses a request another site started (403), signed in or not;
// - every route whose action needs more than a viewer refuses a viewer (403), and the
//   admin-only ones refuse an operator;
// - hostile path parameters, query strings and bodies (hand-written and generated with
//   fast-check) never get a 5xx or a stack trace, only a clear 4xx with an error code.
import fc from 'fast-check';
import type { APIRequestContext, APIResponse } from '@playwright/test';
import { test, expect } from './support/fixtures';
import { signIn } from './support/sign-in';
import { actionRoles, hasRole, isRole, type Role } from '../../lib/domain/roles';
import { PUBLIC_PATTERNS, STATE_CHANGING, consolePages, fillPattern, routeHandlers, type HttpMethod } from './support/route-inventory';

const pages = consolePages();
const routes = routeHandlers();
const privatePages = pages.filter((p) => !PUBLIC_PATTERNS.includes(p.pattern));
const privateRoutes = routes.filter((r) => !PUBLIC_PATTERNS.includes(r.pattern));
const FOREIGN = { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' };
const STACK_TRACE = /\n\s+at\s+\S+.*:\d+:\d+|node_modules\/|\.tsx?:\d+:\d+/;

/** Hostile values for path parameters. */
const HOSTILE_PARAMS = ["'; DROP TABLE users; --", '<script>alert(1)</script>', '../../etc/passwd', 'A'.repeat(4_000), '%00', '0', '-1', '9'.repeat(40), '00000000-0000-0000-0000-000000000000', '{{7*7}}${7*7}'];

async function send(request: APIRequestContext, method: HttpMethod, url: string, init: { data?: string | Buffer; headers?: Record<string, string> } = {}): Promise<APIResponse> {
  return request.fetch(url, { method, maxRedirects: 0, ...init });
}

/** A refusal or an answer, never a crash: < 500, JSON error bodies with a code, no stack traces. */
async function expectCleanAnswer(res: APIResponse, label: string): Promise<void> {
  expect(res.status(), label).toBeLessThan(500);
  const text = await res.text();
  expect(text, `${label}: no stack trace`).not.toMatch(STACK_TRACE);
  const type = res.headers()['content-type'] ?? '';
  if (res.status() >= 400 && type.includes('application/json')) {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    expect(typeof body.error?.code, `${label}: error code`).toBe('string');
    expect(typeof body.error?.message, `${label}: error message`).toBe('string');
  }
}

test.describe('security crawl over every page and route handler', () => {
  test('the crawl finds the console: pages, API routes, their methods and actions', () => {
    expect(privatePages.length).toBeGreaterThanOrEqual(15);
    expect(privateRoutes.length).toBeGreaterThanOrEqual(30);
    for (const route of routes) expect(route.methods.length, `${route.file} exports a method`).toBeGreaterThan(0);
    // Every private API route goes through apiRoute with an action of the role table;
    // the wall's own routes check their token themselves.
    for (const route of privateRoutes.filter((r) => r.pattern.startsWith('/api/'))) {
      expect(route.action, `${route.file} names its action`).not.toBeNull();
      expect(Object.keys(actionRoles), `${route.file}: action ${route.action} is in the role table`).toContain(route.action);
    }
  });

  test('signed out, every private page redirects to sign-in', async ({ request }) => {
    for (const page of privatePages) {
      const url = fillPattern(page.pattern, 'x');
      const res = await send(request, 'GET', url);
      expect(res.status(), url).toBe(307);
      const location = new URL(res.headers()['location'] ?? '', 'http://x');
      expect(location.pathname, url).toBe('/signin');
      expect(location.searchParams.get('callbackUrl'), url).toBe(url);
    }
  });

  test('signed out, every private API route and method answers 401 JSON', async ({ request }) => {
    for (const route of privateRoutes) {
      const url = fillPattern(route.pattern, 'x');
      for (const method of route.methods) {
        const res = await send(request, method, url, method === 'GET' ? {} : { data: '{}', headers: { 'content-type': 'application/json' } });
        expect(res.status(), `${method} ${url}`).toBe(401);
        const body = (await res.json()) as { error?: { code?: string } };
        expect(body.error?.code, `${method} ${url}`).toBe('unauthorized');
      }
    }
  });

  test('the wall answers only with its own token', async ({ request }) => {
    const data = await send(request, 'GET', '/wall/data');
    expect(data.status()).toBe(401);
    const wall = await send(request, 'GET', '/wall');
    expect(wall.status()).toBeLessThan(500);
    expect(await wall.text()).not.toMatch(/signalbox\.(payments|shipping|notifications)/);
  });

  test('every state-changing method refuses a cross-site request, signed in or not', async ({ page, users }) => {
    const attempts = routes.flatMap((r) => r.methods.filter((m) => STATE_CHANGING.includes(m)).map((m) => ({ method: m, url: fillPattern(r.pattern, 'x') })));
    expect(attempts.length).toBeGreaterThanOrEqual(10);
    for (const { method, url } of attempts) {
      const res = await send(page.request, method, url, { data: '{}', headers: { 'content-type': 'application/json', ...FOREIGN } });
      expect(res.status(), `signed out ${method} ${url}`).toBe(403);
    }
    await signIn(page, users.admin);
    for (const { method, url } of attempts) {
      const res = await send(page.request, method, url, { data: '{}', headers: { 'content-type': 'application/json', ...FOREIGN } });
      expect(res.status(), `admin ${method} ${url}`).toBe(403);
    }
  });

  for (const role of ['viewer', 'operator'] as const) {
    test(`every action above ${role} refuses a ${role} with 403`, async ({ page, users }) => {
      await signIn(page, users[role]);
      const above = privateRoutes.filter((r) => r.action && isRole(actionRoles[r.action as keyof typeof actionRoles]) && !hasRole(role, actionRoles[r.action as keyof typeof actionRoles] as Role));
      expect(above.length, `routes needing more than ${role}`).toBeGreaterThan(0);
      for (const route of above) {
        const url = fillPattern(route.pattern, 'x');
        for (const method of route.methods) {
          const res = await send(page.request, method, url, method === 'GET' ? {} : { data: '{}', headers: { 'content-type': 'application/json' } });
          expect(res.status(), `${role} ${method} ${url} (${route.action})`).toBe(403);
          expect(((await res.json()) as { error?: { code?: string } }).error?.code).toBe('forbidden');
        }
      }
    });
  }

  test('hostile path parameters and query strings get a clean answer on every page and GET route', async ({ page, users }) => {
    test.setTimeout(180_000);
    await signIn(page, users.admin);
    const dynamicPages = privatePages.filter((p) => p.pattern.includes('['));
    const getRoutes = privateRoutes.filter((r) => r.methods.includes('GET'));
    expect(dynamicPages.length).toBeGreaterThanOrEqual(5);
    for (const value of HOSTILE_PARAMS) {
      for (const entry of [...dynamicPages, ...getRoutes.filter((r) => r.pattern.includes('['))]) {
        const url = fillPattern(entry.pattern, value);
        await expectCleanAnswer(await send(page.request, 'GET', url), `GET ${url.slice(0, 120)}`);
      }
    }
    const hostileQuery = '?limit=-1&cursor=%27%20OR%201%3D1--&sort=%3Cscript%3E&status=__proto__&from=not-a-date&to=9999999999999999&q=' + 'x'.repeat(3_000);
    for (const entry of [...privatePages.filter((p) => !p.pattern.includes('[')), ...getRoutes.filter((r) => !r.pattern.includes('['))]) {
      await expectCleanAnswer(await send(page.request, 'GET', `${entry.pattern}${hostileQuery}`), `GET ${entry.pattern}?hostile`);
    }
  });

  test('malformed, oversized and generated bodies get a clean 4xx on every state-changing route', async ({ page, users }) => {
    test.setTimeout(240_000);
    await signIn(page, users.admin);
    const targets = privateRoutes.flatMap((r) => r.methods.filter((m) => STATE_CHANGING.includes(m)).map((m) => ({ method: m, route: r })));
    const fixed: Array<[string, string | Buffer, string]> = [
      ['truncated JSON', '{"a": ', 'application/json'],
      ['a JSON array', '[1,2,3]', 'application/json'],
      ['null', 'null', 'application/json'],
      ['a prototype-pollution key', '{"__proto__": {"role": "admin"}, "constructor": {"prototype": {}}}', 'application/json'],
      ['SQL and HTML metacharacters', JSON.stringify({ reason: "'; DROP TABLE dlq_messages; --<img src=x onerror=alert(1)>", note: '${7*7}', name: '../../etc' }), 'application/json'],
      ['form encoding', 'a=1&b=2', 'application/x-www-form-urlencoded'],
      ['plain text', 'hello', 'text/plain'],
      ['a 2 MB body', Buffer.alloc(2 * 1024 * 1024, 0x61), 'application/json'],
    ];
    for (const { method, route } of targets) {
      // A parameter no row has: the action must refuse cleanly, never act on something real.
      const url = fillPattern(route.pattern, 'no-such-thing');
      for (const [label, data, type] of fixed) {
        await expectCleanAnswer(await send(page.request, method, url, { data, headers: { 'content-type': type } }), `${method} ${url}: ${label}`);
      }
      await fc.assert(
        fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), async (value) => {
          const res = await send(page.request, method, url, { data: JSON.stringify(value), headers: { 'content-type': 'application/json' } });
          await expectCleanAnswer(res, `${method} ${url}: ${JSON.stringify(value).slice(0, 80)}`);
          return true;
        }),
        { numRuns: 15, seed: 12 },
      );
    }
  });
});
