// Security items of issue #12 part 3 not covered elsewhere, on the real PostgreSQL:
// destructive DLQ actions throttled per user under concurrent requests (N parallel
// requests → at most the limit succeed, the rest rate_limited, nothing beyond the
// limit changed), and API tokens scoped to reads: a valid read token is refused (401)
// on every write route and changes nothing. (Revocation at once, audit append-only and
// sign-in under concurrency: tests/int/api-tokens.test.ts, audit-log.test.ts,
// sign-in-throttle.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { NextRequest } from 'next/server';
import type { Db } from '@/lib/adapters/prisma/client';
import { storeDeadLetter } from '@/lib/adapters/prisma/dlq-store';
import { createApiToken } from '@/lib/app/create-api-token';
import { discardDlqMessages } from '@/lib/app/discard-dlq-messages';
import { editDlqMessage } from '@/lib/app/edit-dlq-message';
import { replayDlqMessages } from '@/lib/app/replay-dlq-messages';
import type { DeadLetter } from '@/lib/backbone/ports';
import { createOrderEventRegistry } from '@/lib/demo/orders/events';
import type { SessionUser } from '@/lib/domain/session-user';
import { jobKindRegistry } from '@/lib/jobs/kinds';
import { openRouteTestDatabase, type RouteTestDatabase } from '../support/route-test-database';
import { sqlCounter } from '../support/sql-count';

let context: RouteTestDatabase;
let db: Db;
let sql: pg.Client;
let offset = 0;
const rows: Array<{ boundary: string; inputClass: string; outcome: string; count: number }> = [];
const admin: SessionUser = { id: randomUUID(), email: 'admin@example.com', name: null, role: 'admin' };

beforeAll(async () => {
  // The route handlers build their context from the console's environment (set by openRouteTestDatabase).
  context = await openRouteTestDatabase('boundary_security', 12);
  ({ db, sql } = context);
});

afterAll(async () => {
  await context?.close();
});

async function letter(consumer: string): Promise<string> {
  const orderId = randomUUID();
  const envelope = { specversion: '1.0', id: randomUUID(), type: 'orders.OrderPlaced', version: 2, time: new Date().toISOString(), source: '/t', subject: orderId, data: { orderId, customerId: 'c', amountCents: -1, currency: 'EUR', channel: 'api' } };
  const l: DeadLetter = {
    consumer, topic: 'orders.lifecycle.v1', partition: 0, offset: String(++offset), key: null, headers: [], payload: Buffer.from(JSON.stringify(envelope)),
    eventId: envelope.id, eventType: envelope.type, eventVersion: 2, subject: orderId, traceId: null, errorClass: 'AppError', errorCode: 'schema_invalid',
    errorMessage: `amount is negative ${consumer}`, errorStack: null, fingerprint: 'f', attempts: [], failedAt: new Date(),
  };
  return storeDeadLetter(db, l);
}

const operator = (): SessionUser => ({ id: randomUUID(), email: `op-${randomUUID().slice(0, 8)}@example.com`, name: null, role: 'operator' });
const settle = <T>(ps: Promise<T>[]) => Promise.allSettled(ps);
const codes = (results: PromiseSettledResult<unknown>[]) => results.map((r) => (r.status === 'fulfilled' ? 'ok' : ((r.reason as { code?: string }).code ?? String(r.reason))));

describe('destructive actions under concurrent requests', () => {
  const N = 12;
  const LIMIT = 3;

  it(`${N} parallel discards by one user: exactly ${LIMIT} succeed, the rest are rate_limited and change nothing`, async () => {
    const user = operator();
    const ids = await Promise.all(Array.from({ length: N }, () => letter('shipping')));
    const results = codes(await settle(ids.map((id, i) => discardDlqMessages({ db, actionsPerMinute: LIMIT, now: () => new Date() }, user, { ids: [id], reason: `parallel ${i}` }))));
    expect(results.filter((c) => c === 'ok')).toHaveLength(LIMIT);
    expect(results.filter((c) => c === 'rate_limited')).toHaveLength(N - LIMIT);
    const count = sqlCounter(sql);
    expect(await count(`SELECT count(*) FROM dlq_messages WHERE id = ANY($1::uuid[]) AND status = 'discarded'`, ids)).toBe(LIMIT);
    expect(await count(`SELECT count(*) FROM audit_log WHERE actor_email = $1 AND action = 'dlq.discard' AND outcome = 'ok'`, user.email)).toBe(LIMIT);
    rows.push({ boundary: 'destructive action throttle (per user)', inputClass: `${N} parallel DLQ discards, limit ${LIMIT}/min`, outcome: `${LIMIT} ok, ${N - LIMIT} rate_limited`, count: N });
  }, 120_000);

  it(`${N} parallel edits by one user: at most ${LIMIT} succeed`, async () => {
    const user = operator();
    const ids = await Promise.all(Array.from({ length: N }, () => letter('payments')));
    const registry = createOrderEventRegistry();
    const results = codes(await settle(ids.map((id) =>
      editDlqMessage({ db, registry, actionsPerMinute: LIMIT, now: () => new Date() }, user, { id, reason: 'fix amount', data: { orderId: randomUUID(), customerId: 'c', amountCents: 5, currency: 'EUR', channel: 'api' } }))));
    expect(results.filter((c) => c === 'ok')).toHaveLength(LIMIT);
    expect(results.filter((c) => c === 'rate_limited')).toHaveLength(N - LIMIT);
    expect(await sqlCounter(sql)(`SELECT count(*) FROM dlq_payload_versions WHERE dlq_id = ANY($1::uuid[])`, ids)).toBe(LIMIT);
    rows.push({ boundary: 'destructive action throttle (per user)', inputClass: `${N} parallel DLQ edits, limit ${LIMIT}/min`, outcome: `${LIMIT} ok, ${N - LIMIT} rate_limited`, count: N });
  }, 120_000);

  it(`${N / 2} parallel replays by one user (each of another consumer's dead letters): at most ${LIMIT - 1} start`, async () => {
    const user = operator();
    const limit = LIMIT - 1;
    const n = N / 2;
    const ids = await Promise.all(Array.from({ length: n }, (_, i) => letter(`consumer-${i}`)));
    const limits = { confirmOver: 100, approvalOver: 10_000, rateCap: 2_000, canary: 0, maxInFlight: 5_000, canaryTimeoutMs: 60_000, actionsPerMinute: limit };
    const results = codes(await settle(ids.map((id) =>
      replayDlqMessages({ db, kinds: jobKindRegistry(), limits, now: () => new Date() }, user, { selection: { by: 'ids', ids: [id] } }))));
    const started = await sqlCounter(sql)(`SELECT count(*) FROM background_jobs WHERE kind = 'dlq.replay' AND params->>'requestedBy' = $1`, user.email);
    expect(results.filter((c) => c === 'ok').length, results.join(',')).toBeLessThanOrEqual(limit);
    expect(started, results.join(',')).toBeLessThanOrEqual(limit);
    expect(results.filter((c) => c === 'rate_limited').length).toBe(n - started);
    rows.push({ boundary: 'destructive action throttle (per user)', inputClass: `${n} parallel DLQ replays, limit ${limit}/min`, outcome: `${started} started, ${n - started} rate_limited`, count: n });
  }, 120_000);
});

describe('API tokens are scoped to reads', () => {
  it('a valid read token is refused (401) on every write route and changes nothing', async () => {
    const token = (await createApiToken(db, admin, { name: 'reader' })).token;
    const id = await letter('notifications');
    const count = sqlCounter(sql);
    const before = { audit: await count(`SELECT count(*) FROM audit_log WHERE outcome = 'ok'`), jobs: await count('SELECT count(*) FROM background_jobs'), tokens: await count('SELECT count(*) FROM api_tokens') };
    const req = (path: string, method: string, body: unknown) =>
      new NextRequest(`http://localhost:3000${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', origin: 'http://localhost:3000' }, body: JSON.stringify(body) });
    const params = (p: Record<string, string>) => ({ params: Promise.resolve(p) });
    const routes: Array<[string, () => Promise<Response>]> = [
      ['POST /api/dlq/discard', async () => (await import('@/app/api/dlq/discard/route')).POST(req('/api/dlq/discard', 'POST', { ids: [id], reason: 'token' }))],
      ['POST /api/dlq/replay', async () => (await import('@/app/api/dlq/replay/route')).POST(req('/api/dlq/replay', 'POST', { selection: { by: 'ids', ids: [id] } }))],
      ['POST /api/dlq/messages/[id]/edit', async () => (await import('@/app/api/dlq/messages/[id]/edit/route')).POST(req(`/api/dlq/messages/${id}/edit`, 'POST', { data: {}, reason: 'token' }), params({ id }))],
      ['PATCH /api/demo/knobs', async () => (await import('@/app/api/demo/knobs/route')).PATCH(req('/api/demo/knobs', 'PATCH', { ratePerSecond: 1 }))],
      ['POST /api/tokens', async () => (await import('@/app/api/tokens/route')).POST(req('/api/tokens', 'POST', { name: 'escalate' }))],
      ['DELETE /api/tokens/[id]', async () => (await import('@/app/api/tokens/[id]/route')).DELETE(req(`/api/tokens/${randomUUID()}`, 'DELETE', {}), params({ id: randomUUID() }))],
      ['POST /api/jobs/[id]/cancel', async () => (await import('@/app/api/jobs/[id]/cancel/route')).POST(req(`/api/jobs/${randomUUID()}/cancel`, 'POST', {}), params({ id: randomUUID() }))],
    ];
    for (const [name, call] of routes) {
      const res = await call();
      expect(res.status, name).toBe(401);
      expect(await res.json(), name).toMatchObject({ error: { code: 'unauthorized' } });
    }
    expect((await db.dlqMessage.findUniqueOrThrow({ where: { id } })).status).toBe('open');
    expect({ audit: await count(`SELECT count(*) FROM audit_log WHERE outcome = 'ok'`), jobs: await count('SELECT count(*) FROM background_jobs'), tokens: await count('SELECT count(*) FROM api_tokens') }).toEqual(before);
    rows.push({ boundary: 'API token scope', inputClass: 'valid read token on write routes', outcome: '401 unauthorized, nothing changed', count: routes.length });
  }, 120_000);

  it('writes its tally for the bad-input report', () => {
    expect(rows.length).toBeGreaterThan(0);
    mkdirSync('.data/bad-input', { recursive: true });
    writeFileSync('.data/bad-input/security.json', JSON.stringify(rows, null, 2));
  });
});
