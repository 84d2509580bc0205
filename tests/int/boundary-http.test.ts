// Bad input at the HTTP boundary (issue #12, part 2), on the real PostgreSQL:
// the demo orders API as a real node:http server (createOrdersServer), and the
// console's API route handlers (apiRoute) called with NextRequests as a signed-in
// admin, fed hand-written and generated (fast-check, fixed seed) junk: wrong types,
// huge strings and bodies, SQL and HTML metacharacters, unknown fields, wrong
// content types, malformed JSON, hostile query strings. Every answer must be a 4xx
// with an error code (or, for generated input that happens to be valid, a 2xx),
// never a 5xx, never a stack trace; a refused order writes nothing to the orders
// table or the outbox, and every accepted one is there exactly once.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { NextRequest } from 'next/server';
import type { Db } from '@/lib/adapters/prisma/client';
import { storeDeadLetter } from '@/lib/adapters/prisma/dlq-store';
import type { DeadLetter } from '@/lib/backbone/ports';
import { createOrderOutboxWriter } from '@/lib/demo/orders/outbox';
import { createOrdersHttpHandler, MAX_BODY_BYTES } from '@/lib/demo/orders/http-handler';
import { createOrdersServer } from '@/lib/demo/orders/http-server';
import type { SessionUser } from '@/lib/domain/session-user';
import { openRouteTestDatabase, type RouteTestDatabase } from '../support/route-test-database';
import { sqlCounter } from '../support/sql-count';

const SEED = 20261128;
// The console routes run as this user; who may call them is the security crawl's job (tests/e2e/route-crawl.spec.ts).
const session = vi.hoisted(() => ({ user: null as SessionUser | null }));
vi.mock('@/lib/auth/session', () => ({ getSessionUser: async () => session.user }));

type Kind = 'malformed' | 'wrong types' | 'oversized' | 'hostile' | 'unknown fields' | 'wrong content type' | 'generated';
interface Row { boundary: string; inputClass: string; kind: Kind; outcome: string; count: number }
const tally = new Map<string, Row>();
function count(boundary: string, inputClass: string, kind: Kind, outcome: string): void {
  const key = `${boundary}|${inputClass}|${outcome}`;
  const row = tally.get(key) ?? { boundary, inputClass, kind, outcome, count: 0 };
  row.count++;
  tally.set(key, row);
}

const STACK = /\n\s+at |\bat .+:\d+:\d+\)|node:internal/;
let context: RouteTestDatabase;
let db: Db;
let sql: pg.Client;

beforeAll(async () => {
  // The route handlers build their context from the console's environment (set by openRouteTestDatabase).
  context = await openRouteTestDatabase('boundary_http', 6);
  ({ db, sql } = context);
  const admin = await db.user.create({ data: { email: 'http-admin@example.com', role: 'admin', passwordHash: 'x' } });
  session.user = { id: admin.id, email: admin.email, name: null, role: 'admin' };
});

afterAll(async () => {
  await context?.close();
});

interface Answer { status: number; text: string; code: string | null }

/** The answer must be a 4xx with an error code, or (only when `mayAccept`) a 2xx; never 5xx, never a stack. */
function judge(answer: Answer, where: string, mayAccept: boolean): string {
  expect(answer.status, where).toBeLessThan(500);
  expect(answer.text, where).not.toMatch(STACK);
  if (answer.status >= 200 && answer.status < 300) {
    expect(mayAccept, `${where}: accepted`).toBe(true);
    return `${answer.status} accepted`;
  }
  expect(answer.status, where).toBeGreaterThanOrEqual(400);
  expect(answer.code, `${where}: no error code`).toMatch(/^[a-z_]+$/);
  return `${answer.status} ${answer.code}`;
}

describe('orders API (real socket)', () => {
  const BOUNDARY = 'HTTP: orders API POST /orders';
  let server: http.Server;
  let port: number;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

  beforeAll(async () => {
    const handle = createOrdersHttpHandler({ db, outbox: createOrderOutboxWriter(), now: () => new Date(), newId: () => uuidv7(), onError: () => {} });
    server = createOrdersServer(handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    agent.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function post(path: string, body: Buffer | string, contentType: string | null): Promise<Answer> {
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { 'content-length': String(bytes.byteLength) };
      if (contentType !== null) headers['content-type'] = contentType;
      const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          let code: string | null = null;
          try {
            code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? null;
          } catch {
            code = null;
          }
          resolve({ status: res.statusCode ?? 0, text, code });
        });
      });
      req.on('error', reject);
      req.end(bytes);
    });
  }

  const rows = () => sqlCounter(sql)('SELECT (SELECT count(*) FROM orders) + (SELECT count(*) FROM outbox_events)');
  const good = { customerId: 'c-1', amountCents: 1234, currency: 'EUR' };

  async function refused(inputClass: string, kind: Kind, body: Buffer | string, contentType: string | null, status: number, code: string): Promise<void> {
    const before = await rows();
    const answer = await post('/orders', body, contentType);
    const where = `${inputClass}: ${String(body).slice(0, 120)} → ${answer.status} ${answer.text.slice(0, 300)}`;
    judge(answer, where, false);
    expect(answer.status, where).toBe(status);
    expect(answer.code, where).toBe(code);
    expect(await rows(), `${where}: wrote something`).toBe(before);
    count(BOUNDARY, inputClass, kind, `${status} ${code}, nothing written`);
  }

  it('refuses malformed JSON and non-object bodies (400 bad_request)', async () => {
    for (const body of ['{', '{"customerId": "c-1",', '[1,2]', '"order"', 'null', '12', '\u0000\u0001', '{"a":1}{"b":2}']) {
      await refused('malformed JSON / not an object', 'malformed', body, 'application/json', 400, 'bad_request');
    }
  });

  it('refuses wrong types for each field (400 bad_request)', async () => {
    const wrong = [{ amountCents: '1234' }, { amountCents: 12.5 }, { amountCents: null }, { amountCents: 1e300 }, { amountCents: -1 }, { customerId: 5 }, { customerId: ['c-1'] }, { customerId: {} }, { currency: 978 }, { currency: 'euro' }, { currency: true }];
    for (const patch of wrong) await refused('wrong types', 'wrong types', JSON.stringify({ ...good, ...patch }), 'application/json', 400, 'bad_request');
    for (const missing of Object.keys(good)) {
      const body: Record<string, unknown> = { ...good };
      delete body[missing];
      await refused('missing field', 'wrong types', JSON.stringify(body), 'application/json', 400, 'bad_request');
    }
  });

  it('refuses huge strings (400) and bodies over the limit (413)', async () => {
    await refused('huge string (10 kB customer id)', 'oversized', JSON.stringify({ ...good, customerId: 'c'.repeat(10_000) }), 'application/json', 400, 'bad_request');
    await refused('huge string (10 kB currency)', 'oversized', JSON.stringify({ ...good, currency: 'E'.repeat(10_000) }), 'application/json', 400, 'bad_request');
    await refused(`body over the ${MAX_BODY_BYTES / 1024} kB limit`, 'oversized', JSON.stringify({ ...good, note: 'x'.repeat(MAX_BODY_BYTES + 1) }), 'application/json', 413, 'payload_too_large');
    await refused('2 MiB body', 'oversized', Buffer.alloc(2 * 1024 * 1024, 0x7b), 'application/json', 413, 'payload_too_large');
  });

  it('refuses SQL and HTML metacharacters in fields (400 bad_request)', async () => {
    for (const hostile of ["c-1'; DROP TABLE orders; --", '<script>alert(1)</script>', 'c-1" OR "1"="1', '../../etc/passwd', 'c-1\u0000', '${jndi:ldap://x}', 'c-1\r\nSet-Cookie: a=b']) {
      await refused('SQL / HTML / shell metacharacters', 'hostile', JSON.stringify({ ...good, customerId: hostile }), 'application/json', 400, 'bad_request');
    }
    await refused('SQL / HTML / shell metacharacters', 'hostile', JSON.stringify({ ...good, currency: "EUR'--" }), 'application/json', 400, 'bad_request');
  });

  it('refuses unknown fields, including ones that try to pick the command or the channel (400 bad_request)', async () => {
    for (const extra of [{ isAdmin: true }, { status: 'delivered' }, { constructor: { prototype: { x: 1 } } }, { amount: 5 }]) {
      await refused('unknown fields', 'unknown fields', JSON.stringify({ ...good, ...extra }), 'application/json', 400, 'bad_request');
    }
    await refused('unknown fields', 'unknown fields', '{"customerId":"c-1","amountCents":1,"currency":"EUR","__proto__":{"admin":true}}', 'application/json', 400, 'bad_request');
    // "kind" and "channel" are not refused but cannot pick the command: the path decides (lib/demo/orders/http-handler.ts).
    for (const extra of [{ kind: 'CancelOrder' }, { channel: 'generator' }]) {
      const answer = await post('/orders', JSON.stringify({ ...good, ...extra }), 'application/json');
      expect(answer.status, answer.text).toBe(201);
      const { orderId } = JSON.parse(answer.text) as { orderId: string };
      const [row] = (await sql.query<{ type: string; channel: string }>(`SELECT type, envelope->'data'->>'channel' AS channel FROM outbox_events WHERE subject = $1`, [orderId])).rows;
      expect(row).toEqual({ type: 'orders.OrderPlaced', channel: 'api' });
      count(BOUNDARY, 'a "kind" or "channel" field trying to pick the command', 'unknown fields', '201, overridden by the path: OrderPlaced, channel api');
    }
  });

  it('refuses wrong content types (415 unsupported_media_type)', async () => {
    const body = JSON.stringify(good);
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/xml', 'text/html', '']) {
      await refused('wrong content type', 'wrong content type', body, type, 415, 'unsupported_media_type');
    }
    await refused('missing content type', 'wrong content type', body, null, 415, 'unsupported_media_type');
  });

  it('generated bodies: never a 5xx or a stack; every 201 is one order in the database, every refusal writes nothing', async () => {
    const field = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.string({ maxLength: 80 }), fc.constantFrom('c-1', 'EUR', 1000, "'; DROP TABLE orders; --", '<img src=x onerror=alert(1)>'));
    const body = fc.oneof(
      fc.record({ customerId: field, amountCents: field, currency: field }, { requiredKeys: [] }),
      fc.record({ customerId: field, amountCents: fc.integer({ min: -5, max: 200_000_000 }), currency: fc.constantFrom('EUR', 'USD', 'eur', 'EU') }),
      fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }).map((extra) => ({ ...good, ...extra })),
      fc.jsonValue({ maxDepth: 3 }),
    ).map((v) => JSON.stringify(v));
    const raw = fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b));
    const cases = fc.sample(fc.oneof(body.map((b) => Buffer.from(b)), raw), { seed: SEED, numRuns: 150 });
    const ordersBefore = await sqlCounter(sql)('SELECT count(*) FROM orders');
    let accepted = 0;
    for (const bytes of cases) {
      const answer = await post('/orders', bytes, 'application/json');
      const outcome = judge(answer, `generated ${bytes.toString().slice(0, 200)} → ${answer.status} ${answer.text.slice(0, 300)}`, true);
      if (answer.status === 201) accepted++;
      count(BOUNDARY, 'generated bodies (fast-check): JSON records, arbitrary JSON, extra keys, random bytes', 'generated', outcome);
    }
    expect(await sqlCounter(sql)('SELECT count(*) FROM orders')).toBe(ordersBefore + accepted);
    expect(await sqlCounter(sql)(`SELECT count(*) FROM outbox_events WHERE type = 'orders.OrderPlaced'`)).toBe(await sqlCounter(sql)('SELECT count(*) FROM orders'));
  }, 300_000);

  it('refuses junk order ids in action paths (400/404), never a 5xx', async () => {
    for (const id of ["'; DROP TABLE orders; --", '%3Cscript%3E', '..%2F..%2Fetc', 'x'.repeat(5_000), randomUUID().toUpperCase() + 'x']) {
      const answer = await post(`/orders/${encodeURI(id)}/cancel`, JSON.stringify({ reason: 'r' }), 'application/json');
      const outcome = judge(answer, `action path ${id.slice(0, 60)} → ${answer.status} ${answer.text.slice(0, 200)}`, false);
      count('HTTP: orders API POST /orders/:id/<action>', 'hostile order id in the path', 'hostile', outcome);
    }
  });
});

describe('console API route handlers (signed in as admin)', () => {
  // The open dead letter the DLQ routes act on; a new one before each call that could take it, so an
  // answer is about the input and never a 409 because an earlier case discarded or replayed it.
  let dlqId = '';
  let offset = 0;
  const freshDeadLetter = async () => {
    const letter: DeadLetter = {
      consumer: 'shipping', topic: 'orders.lifecycle.v1', partition: 0, offset: String(++offset), key: null, headers: [], payload: Buffer.from('{"oops'),
      eventId: null, eventType: null, eventVersion: null, subject: null, traceId: null, errorClass: 'AppError', errorCode: 'undecodable',
      errorMessage: 'Payload is not valid JSON', errorStack: null, fingerprint: 'f', attempts: [], failedAt: new Date(),
    };
    dlqId = await storeDeadLetter(db, letter);
  };

  beforeAll(freshDeadLetter);

  type Handler = (req: NextRequest, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
  interface WriteRoute {
    name: string;
    method: string;
    path: string;
    load: () => Promise<Handler>;
    params?: () => Record<string, string>;
    sample: () => Record<string, unknown>;
    /** Free-text fields: metacharacters in them are data (bound parameters, escaped output), so a short one may be accepted. */
    freeText?: string[];
  }
  const writeRoutes: WriteRoute[] = [
    { name: 'POST /api/dlq/discard', method: 'POST', path: '/api/dlq/discard', load: async () => (await import('@/app/api/dlq/discard/route')).POST, sample: () => ({ ids: [dlqId], reason: 'not needed' }), freeText: ['reason'] },
    { name: 'POST /api/dlq/replay', method: 'POST', path: '/api/dlq/replay', load: async () => (await import('@/app/api/dlq/replay/route')).POST, sample: () => ({ selection: { by: 'ids', ids: [dlqId] } }) },
    { name: 'POST /api/dlq/messages/[id]/edit', method: 'POST', path: '/api/dlq/messages/x/edit', load: async () => (await import('@/app/api/dlq/messages/[id]/edit/route')).POST, params: () => ({ id: dlqId }), sample: () => ({ data: { orderId: randomUUID() }, reason: 'fix it' }), freeText: ['reason'] },
    { name: 'PATCH /api/demo/knobs', method: 'PATCH', path: '/api/demo/knobs', load: async () => (await import('@/app/api/demo/knobs/route')).PATCH, sample: () => ({ ratePerSecond: 5 }) },
    { name: 'PUT /api/dlq/causes/[cause]/note', method: 'PUT', path: '/api/dlq/causes/f/note', load: async () => (await import('@/app/api/dlq/causes/[cause]/note/route')).PUT, params: () => ({ cause: 'f' }), sample: () => ({ note: 'seen before' }), freeText: ['note'] },
    { name: 'POST /api/tokens', method: 'POST', path: '/api/tokens', load: async () => (await import('@/app/api/tokens/route')).POST, sample: () => ({ name: 'reader' }), freeText: ['name'] },
  ];

  async function call(handler: Handler, method: string, path: string, body: string | null, contentType: string | null, params: Record<string, string> = {}): Promise<Answer> {
    const headers: Record<string, string> = { origin: 'http://localhost:3000' };
    if (contentType !== null) headers['content-type'] = contentType;
    const req = new NextRequest(`http://localhost:3000${path}`, { method, headers, body: body === null ? undefined : body });
    const res = await handler(req, { params: Promise.resolve(params) });
    const text = await res.text();
    let code: string | null = null;
    try {
      code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? null;
    } catch {
      code = null;
    }
    return { status: res.status, text, code };
  }

  it('refuses malformed JSON (400), wrong content types (415), bodies over the limit (413) and wrong types (400) on every write route', async () => {
    for (const route of writeRoutes) {
      const handler = await route.load();
      const params = route.params?.() ?? {};
      const cases: Array<[string, Kind, string, string | null, number]> = [
        ['malformed JSON', 'malformed', '{"ids": [', 'application/json', 400],
        ['malformed JSON', 'malformed', '\u0000\u00ff', 'application/json', 400],
        ['wrong content type', 'wrong content type', JSON.stringify(route.sample()), 'text/plain', 415],
        ['wrong content type', 'wrong content type', JSON.stringify(route.sample()), 'application/x-www-form-urlencoded', 415],
        ['missing content type', 'wrong content type', JSON.stringify(route.sample()), null, 415],
        ['body over the route limit (100 kB)', 'oversized', JSON.stringify({ ...route.sample(), pad: 'x'.repeat(100_000) }), 'application/json', 413],
        ['wrong types (every field an array of numbers)', 'wrong types', JSON.stringify(Object.fromEntries(Object.keys(route.sample()).map((k) => [k, [1, 2]]))), 'application/json', 400],
        ['wrong types (a JSON array as the body)', 'wrong types', JSON.stringify([route.sample()]), 'application/json', 400],
      ];
      for (const [inputClass, kind, body, type, status] of cases) {
        const answer = await call(handler, route.method, route.path, body, type, params);
        const where = `${route.name} ${inputClass} → ${answer.status} ${answer.text.slice(0, 300)}`;
        const outcome = judge(answer, where, false);
        expect(answer.status, where).toBe(status);
        count(`HTTP: console ${route.name}`, inputClass, kind, outcome);
      }
    }
    expect((await db.dlqMessage.findUniqueOrThrow({ where: { id: dlqId } })).status).toBe('open');
  }, 120_000);

  it('huge strings, metacharacters and unknown fields: a 4xx or, where the field is free text, accepted as text; never a 5xx or a stack', async () => {
    const hostile = ["'; DROP TABLE dlq_messages; --", '<script>alert(1)</script>', 'x'.repeat(50_000), '\u202e\u0000${HOME}'];
    for (const route of writeRoutes) {
      const handler = await route.load();
      for (const field of Object.keys(route.sample())) {
        for (const value of hostile) {
          await freshDeadLetter();
          const answer = await call(handler, route.method, route.path, JSON.stringify({ ...route.sample(), [field]: value }), 'application/json', route.params?.() ?? {});
          const kind: Kind = value.length > 1000 ? 'oversized' : 'hostile';
          const outcome = judge(answer, `${route.name} ${field}=${value.slice(0, 40)} → ${answer.status} ${answer.text.slice(0, 300)}`, (route.freeText ?? []).includes(field) && kind === 'hostile');
          const inputClass = kind === 'oversized' ? 'huge string (50 kB) in a field' : `SQL / HTML / control characters in ${(route.freeText ?? []).includes(field) ? 'a free-text' : 'a typed'} field`;
          count(`HTTP: console ${route.name}`, inputClass, kind, outcome);
        }
      }
      await freshDeadLetter();
      const answer = await call(handler, route.method, route.path, JSON.stringify({ ...route.sample(), isAdmin: true, role: 'admin' }), 'application/json', route.params?.() ?? {});
      count(`HTTP: console ${route.name}`, 'unknown fields', 'unknown fields', judge(answer, `${route.name} unknown fields → ${answer.status} ${answer.text.slice(0, 300)}`, true));
    }
  }, 300_000);

  it('generated bodies on every write route: never a 5xx or a stack', async () => {
    for (const [i, route] of writeRoutes.entries()) {
      const handler = await route.load();
      const keys = Object.keys(route.sample());
      const arb = fc.oneof(
        fc.record(Object.fromEntries(keys.map((k) => [k, fc.jsonValue({ maxDepth: 2 })])), { requiredKeys: [] }),
        fc.jsonValue({ maxDepth: 3 }),
        fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 4 }).map((extra) => ({ ...route.sample(), ...extra })),
      );
      for (const value of fc.sample(arb, { seed: SEED + i, numRuns: 30 })) {
        await freshDeadLetter();
        const answer = await call(handler, route.method, route.path, JSON.stringify(value), 'application/json', route.params?.() ?? {});
        count(`HTTP: console ${route.name}`, 'generated bodies (fast-check)', 'generated', judge(answer, `${route.name} ${JSON.stringify(value).slice(0, 200)} → ${answer.status} ${answer.text.slice(0, 300)}`, true));
      }
    }
  }, 300_000);

  it('hostile and generated query strings on read routes: 200 or a 4xx, never a 5xx or a stack', async () => {
    const readRoutes: Array<[string, string, () => Promise<Handler>, string[]]> = [
      ['GET /api/dlq/messages', '/api/dlq/messages', async () => (await import('@/app/api/dlq/messages/route')).GET, ['consumer', 'status', 'cause', 'cursor', 'limit', 'q']],
      ['GET /api/audit', '/api/audit', async () => (await import('@/app/api/audit/route')).GET, ['actor', 'action', 'from', 'to', 'cursor', 'limit']],
      ['GET /api/outbox', '/api/outbox', async () => (await import('@/app/api/outbox/route')).GET, ['status', 'cursor', 'limit', 'type']],
      ['GET /api/jobs', '/api/jobs', async () => (await import('@/app/api/jobs/route')).GET, ['status', 'kind', 'cursor', 'limit']],
    ];
    const value = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom("'; DROP TABLE audit_log; --", '<script>alert(1)</script>', '-1', '1e309', 'NaN', '9'.repeat(400), '%00', '[]', '{"$ne":null}', 'x'.repeat(5_000)));
    for (const [i, [name, path, load, params]] of readRoutes.entries()) {
      const handler = await load();
      const queries = fc.sample(fc.dictionary(fc.constantFrom(...params, 'unknown', '__proto__'), value, { minKeys: 1, maxKeys: 3 }), { seed: SEED + 10 + i, numRuns: 25 });
      for (const query of queries) {
        const qs = new URLSearchParams(query).toString();
        const answer = await call(handler, 'GET', `${path}?${qs}`, null, null);
        count(`HTTP: console ${name}`, 'hostile and generated query strings (fast-check)', 'generated', judge(answer, `${name}?${qs.slice(0, 200)} → ${answer.status} ${answer.text.slice(0, 300)}`, true));
      }
    }
  }, 300_000);

  it('writes its tally for the bad-input report', () => {
    expect(tally.size).toBeGreaterThan(0);
    mkdirSync('.data/bad-input', { recursive: true });
    writeFileSync('.data/bad-input/http.json', JSON.stringify([...tally.values()], null, 2));
  });
});
