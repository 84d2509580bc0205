import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import type http from 'node:http';
import { v7 as uuidv7 } from 'uuid';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { createOrderOutboxWriter } from '@/lib/demo/orders/outbox';
import { createOrdersHttpHandler, type OrdersHttpHandler, type OrdersHttpRequest } from '@/lib/demo/orders/http-handler';
import { createOrdersServer } from '@/lib/demo/orders/http-server';
import { createTestDatabase, type TestDatabase } from '../support/database';

let database: TestDatabase;
let db: Db;
let handle: OrdersHttpHandler;
const unexpected: unknown[] = [];

beforeAll(async () => {
  database = await createTestDatabase('demo_orders_api');
  db = createDb(database.url);
  handle = createOrdersHttpHandler({ db, outbox: createOrderOutboxWriter(), now: () => new Date(), newId: () => uuidv7(), onError: (e) => unexpected.push(e) });
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

const json = { 'content-type': 'application/json' };

/** The union of what the API answers, loosely: tests read whichever part applies. */
interface Body {
  orderId: string;
  status: string;
  version: number;
  events: Array<{ id: string; type: string }>;
  error: { code: string; message: string; details: { currentStatus?: string; issues: Array<{ path: string }> } };
}
interface Res {
  status: number;
  headers: Record<string, string>;
  body: Body;
}

function request(method: string, url: string, body?: unknown, headers: Record<string, string | string[]> = {}): Promise<Res> {
  const bytes = body === undefined ? new Uint8Array() : body instanceof Uint8Array ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const req: OrdersHttpRequest = { method, url, headers: { ...(body === undefined ? {} : json), ...headers }, body: bytes };
  return handle(req) as Promise<Res>;
}

const order = { customerId: 'c-1', amountCents: 1999, currency: 'EUR' };

describe('orders API handler', () => {
  it('GET /health answers 200 when the database answers', async () => {
    expect((await request('GET', '/health')).status).toBe(200);
  });

  it('places, reads, and moves an order through its steps', async () => {
    const placed = await request('POST', '/orders', order);
    expect(placed.status).toBe(201);
    expect(placed.headers.location).toBe(`/orders/${placed.body.orderId}`);
    expect(placed.body).toMatchObject({ status: 'placed', events: [{ type: 'orders.OrderPlaced' }] });
    const id = placed.body.orderId;
    expect((await request('POST', `/orders/${id}/authorize-payment`)).body.status).toBe('paid');
    expect((await request('POST', `/orders/${id}/dispatch`, { carrier: 'dhl' })).body.status).toBe('dispatched');
    expect((await request('POST', `/orders/${id}/deliver`, {})).body.status).toBe('delivered');
    const got = await request('GET', `/orders/${id}?verbose=1`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ orderId: id, status: 'delivered', version: 4, customerId: 'c-1' });
    expect(got.body.events).toHaveLength(4);
    const cancel = await request('POST', `/orders/${id}/cancel`, { reason: 'late' });
    expect(cancel.status).toBe(409);
    expect(cancel.body.error).toMatchObject({ code: 'rejected', details: { currentStatus: 'delivered' } });
  });

  it('records the channel as "api" whatever the body says, and ignores a "kind" in the body', async () => {
    const placed = await request('POST', '/orders', { ...order, kind: 'CancelOrder' });
    expect(placed.status).toBe(201);
    const row = await db.outboxEvent.findFirstOrThrow({ where: { subject: placed.body.orderId } });
    expect((row.envelope as { data: { channel: string } }).data.channel).toBe('api');
    expect((await request('POST', '/orders', { ...order, channel: 'web' })).status).toBe(201);
  });

  it('honours Idempotency-Key on POST: replay is marked, a different body is 409', async () => {
    const key = { 'idempotency-key': 'checkout-7f3a' };
    const first = await request('POST', '/orders', order, key);
    const second = await request('POST', '/orders', order, key);
    expect(second.status).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toEqual(first.body);
    const other = await request('POST', '/orders', { ...order, amountCents: 1 }, key);
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('conflict');
  });

  it('refuses bad Idempotency-Keys with 400', async () => {
    for (const value of ['x'.repeat(201), 'naïve', 'a\u0000b', ['a', 'b']] as Array<string | string[]>) {
      const res = await request('POST', '/orders', order, { 'idempotency-key': value });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('bad_request');
    }
  });

  it('continues the caller\'s trace from a traceparent header', async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const placed = await request('POST', '/orders', order, { traceparent });
    const row = await db.outboxEvent.findFirstOrThrow({ where: { subject: placed.body.orderId } });
    expect(row.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
  });

  it('malformed JSON → 400; non-object JSON → 400; invalid UTF-8 → 400', async () => {
    for (const body of ['{"customerId": ', '[1,2]', 'null', '"str"', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])]) {
      const res = await request('POST', '/orders', body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('bad_request');
    }
  });

  it('validation errors → 400 with issues, nothing stored', async () => {
    const before = await db.order.count();
    const res = await request('POST', '/orders', { customerId: '<script>', amountCents: -5, currency: 'euro', __proto__: { admin: true } });
    expect(res.status).toBe(400);
    expect(res.body.error.details.issues.map((i) => i.path).sort()).toEqual(['amountCents', 'currency', 'customerId']);
    const polluted = await request('POST', '/orders', '{"customerId":"c-1","amountCents":5,"currency":"EUR","__proto__":{"x":1}}');
    expect(polluted.status).toBe(400);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(await db.order.count()).toBe(before);
  });

  it('a 5 MB body → 413 without touching the database', async () => {
    const before = await db.order.count();
    const res = await request('POST', '/orders', Buffer.alloc(5 * 1024 * 1024, 0x20));
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
    expect(await db.order.count()).toBe(before);
  });

  it('wrong content type → 415', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', 'application/jsonp']) {
      const res = await request('POST', '/orders', JSON.stringify(order), { 'content-type': type });
      expect(res.status).toBe(415);
    }
    expect((await request('POST', '/orders', JSON.stringify(order), { 'content-type': 'Application/JSON; charset=UTF-8' })).status).toBe(201);
  });

  it('unknown routes and methods → 404', async () => {
    for (const [method, url] of [
      ['GET', '/'],
      ['GET', '/orders'],
      ['PUT', '/orders'],
      ['DELETE', `/orders/${uuidv7()}`],
      ['POST', `/orders/${uuidv7()}/refund`],
      ['POST', `/orders/${uuidv7()}/constructor`],
      ['POST', `/orders/${uuidv7()}/__proto__`],
      ['GET', `/orders/${uuidv7()}/dispatch`],
      ['GET', '/orders/../../etc/passwd'],
      ['GET', '/orders/..%2F..%2Fetc%2Fpasswd/x/y'],
      ['GET', '/../../etc/passwd'],
      ['GET', '//orders'],
      ['GET', `/health/${'x'.repeat(5000)}`],
    ]) {
      const res = await request(method!, url!);
      expect(res.status, `${method} ${url}`).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
  });

  it('hostile or SQL-ish ids → 400, never a database error', async () => {
    for (const id of ["1'%20OR%20'1'='1", "1' OR '1'='1", '1;DROP TABLE orders', '..%2F..%2Fetc%2Fpasswd', '%00', 'null', '00000000-0000-0000-0000-00000000000g']) {
      const get = await request('GET', `/orders/${id}`);
      expect(get.status, id).toBe(400);
      const post = await request('POST', `/orders/${id}/cancel`, { reason: 'x' });
      expect(post.status, id).toBe(400);
    }
    expect(await db.order.count()).toBeGreaterThan(0);
    expect(unexpected).toEqual([]);
  });

  it('an unknown order → 404', async () => {
    expect((await request('GET', `/orders/${uuidv7()}`)).status).toBe(404);
    expect((await request('POST', `/orders/${uuidv7()}/deliver`)).status).toBe(404);
  });

  it('GET /health → 503 when the database does not answer', async () => {
    const down = { $queryRaw: () => Promise.reject(new Error('ECONNREFUSED')) } as unknown as Db;
    const unhealthy = createOrdersHttpHandler({ db: down, outbox: createOrderOutboxWriter(), now: () => new Date(), newId: () => uuidv7() });
    const res = await unhealthy({ method: 'GET', url: '/health', headers: {}, body: new Uint8Array() });
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(JSON.stringify(res.body)).not.toContain('ECONNREFUSED');
  });

  it('unexpected errors → 500 that says nothing about the cause', async () => {
    const broken = createOrdersHttpHandler({
      db,
      outbox: { append: async () => { throw new Error('relay password is hunter2'); }, appendGroups: async () => { throw new Error('relay password is hunter2'); } },
      now: () => new Date(),
      newId: () => uuidv7(),
      onError: () => {},
    });
    const res = await broken({ method: 'POST', url: '/orders', headers: json, body: Buffer.from(JSON.stringify(order)) });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: 'internal', message: 'Internal error.' } });
  });
});

describe('orders API server (real socket)', () => {
  let server: http.Server;
  let port: number;

  beforeAll(async () => {
    server = createOrdersServer(handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** Sends raw bytes and returns the status line of the response (writes may fail once the server closes). */
  function raw(head: string, body: Buffer | null): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      let received = '';
      socket.on('data', (d) => (received += d.toString('latin1')));
      socket.on('error', () => {}); // EPIPE/ECONNRESET after the server refused: expected
      socket.on('close', () => (received ? resolve(received.split('\r\n')[0]!) : reject(new Error('no response'))));
      socket.write(head);
      if (body) socket.write(body);
      socket.setTimeout(10_000, () => socket.destroy());
    });
  }

  it('serves JSON over HTTP', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/orders`, { method: 'POST', headers: json, body: JSON.stringify(order) });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(((await res.json()) as { status: string }).status).toBe('placed');
  });

  it('refuses a declared 5 MB body at once (413), without reading it', async () => {
    const line = await raw(`POST /orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${5 * 1024 * 1024}\r\n\r\n`, Buffer.alloc(1024, 0x20));
    expect(line).toBe('HTTP/1.1 413 Payload Too Large');
  });

  it('stops reading a chunked body once it passes 16 KB (413)', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const body = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n0\r\n\r\n')]);
    const line = await raw('POST /orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n', body);
    expect(line).toBe('HTTP/1.1 413 Payload Too Large');
  });

  it('passes a raw dot-dot path through unnormalised → 404', async () => {
    const line = await raw('GET /orders/../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', null);
    expect(line).toBe('HTTP/1.1 404 Not Found');
  });
});
