// API tokens on the real PostgreSQL: created by an admin (shown once, only its SHA-256
// stored), verified, revoked at once, each change audited in the same transaction; and the
// route wrapper accepts a token for /api/metrics and GET /api/consumers only.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { NextRequest } from 'next/server';
import type { Db } from '@/lib/adapters/prisma/client';
import { createApiToken } from '@/lib/app/create-api-token';
import { revokeApiToken } from '@/lib/app/revoke-api-token';
import { bearerTokenOf, verifyApiToken } from '@/lib/auth/api-token';
import { listApiTokens } from '@/lib/read/list-api-tokens';
import { insertLagSamples } from '@/lib/adapters/prisma/samples-store';
import type { SessionUser } from '@/lib/domain/session-user';
import { openRouteTestDatabase, type RouteTestDatabase } from '../support/route-test-database';

let context: RouteTestDatabase;
let db: Db;
let sql: pg.Client;
const admin: SessionUser = { id: '00000000-0000-4000-8000-000000000001', email: 'admin@example.com', name: null, role: 'admin' };
const viewer: SessionUser = { id: '00000000-0000-4000-8000-000000000002', email: 'viewer@example.com', name: null, role: 'viewer' };

beforeAll(async () => {
  // The route handlers build their context from the console's environment (set by openRouteTestDatabase).
  context = await openRouteTestDatabase('api_tokens');
  ({ db, sql } = context);
});

afterAll(async () => {
  await context?.close();
});

const audit = async (action: string) =>
  (await sql.query<{ outcome: string; actor_email: string; target: string | null; details: Record<string, unknown> }>(`SELECT outcome, actor_email, target, details FROM audit_log WHERE action = $1 ORDER BY id`, [action])).rows;

describe('API tokens', () => {
  it('create: shown once, stored as its SHA-256 only, audited; verify gives a read-only principal', async () => {
    const created = await createApiToken(db, admin, { name: 'grafana' });
    expect(created.token).toMatch(/^sbx_[A-Za-z0-9_-]{43}$/);
    const { rows } = await sql.query(`SELECT * FROM api_tokens WHERE id = $1`, [created.id]);
    expect(rows[0].token_hash).toBe(createHash('sha256').update(created.token).digest('hex'));
    expect(JSON.stringify(rows[0])).not.toContain(created.token.slice(4));
    expect(rows[0]).toMatchObject({ name: 'grafana', scope: 'read', created_by: 'admin@example.com', prefix: created.token.slice(0, 10) });
    expect(await audit('tokens.create')).toEqual([{ outcome: 'ok', actor_email: 'admin@example.com', target: created.id, details: { name: 'grafana', prefix: created.prefix, scope: 'read' } }]);

    const principal = await verifyApiToken(db, created.token, new Date());
    expect(principal).toEqual({ id: created.id, email: 'token:grafana', name: 'grafana', role: 'viewer' });
    expect((await sql.query(`SELECT last_used_at FROM api_tokens WHERE id = $1`, [created.id])).rows[0].last_used_at).not.toBeNull();
    expect(await verifyApiToken(db, `${created.token.slice(0, -1)}${created.token.endsWith('A') ? 'B' : 'A'}`, new Date())).toBeNull();
    expect(await verifyApiToken(db, 'Bearer nonsense', new Date())).toBeNull();
    const listed = await listApiTokens(db);
    expect(listed.find((t) => t.id === created.id)).toMatchObject({ name: 'grafana', revokedAt: null });
    expect(JSON.stringify(listed)).not.toContain('token_hash');
  });

  it('revoke: the token stops working at once; audited; twice is a no-op', async () => {
    const created = await createApiToken(db, admin, { name: 'script' });
    const now = new Date();
    expect(await revokeApiToken(db, admin, created.id, now)).toMatchObject({ alreadyRevoked: false });
    expect(await verifyApiToken(db, created.token, new Date())).toBeNull();
    expect(await revokeApiToken(db, admin, created.id, new Date())).toMatchObject({ alreadyRevoked: true, revokedAt: now.toISOString() });
    expect((await audit('tokens.revoke')).filter((e) => e.target === created.id)).toHaveLength(1);
    await expect(revokeApiToken(db, admin, '00000000-0000-4000-8000-0000000000ff', new Date())).rejects.toMatchObject({ code: 'not_found' });
  });

  it('needs the admin role; the refusal is audited and creates nothing', async () => {
    const before = (await sql.query(`SELECT count(*)::int AS n FROM api_tokens`)).rows[0].n;
    await expect(createApiToken(db, viewer, { name: 'sneaky' })).rejects.toMatchObject({ code: 'forbidden' });
    expect((await sql.query(`SELECT count(*)::int AS n FROM api_tokens`)).rows[0].n).toBe(before);
    expect((await audit('tokens.create')).filter((e) => e.outcome === 'denied')).toEqual([expect.objectContaining({ actor_email: 'viewer@example.com', target: 'sneaky' })]);
  });

  it('the token and its audit entry commit together: a failing audit write leaves no token', async () => {
    const before = (await sql.query(`SELECT count(*)::int AS n FROM api_tokens`)).rows[0].n;
    // actor_id is a uuid column: this actor's entry cannot be written, so the token must roll back.
    await expect(createApiToken(db, { ...admin, id: 'not-a-uuid' }, { name: 'orphan' })).rejects.toThrow();
    expect((await sql.query(`SELECT count(*)::int AS n FROM api_tokens WHERE name = 'orphan'`)).rows[0].n).toBe(0);
    expect((await sql.query(`SELECT count(*)::int AS n FROM api_tokens`)).rows[0].n).toBe(before);
  });

  it('bearer header parsing', () => {
    expect(bearerTokenOf(new Headers())).toBeNull();
    expect(bearerTokenOf(new Headers({ authorization: 'Bearer sbx_abc' }))).toBe('sbx_abc');
    expect(bearerTokenOf(new Headers({ authorization: 'Basic xyz' }))).toBe('');
  });

  it('routes: a token reads /api/metrics and /api/consumers; a bad or revoked one gets 401; other routes refuse tokens', async () => {
    await insertLagSamples(sql, [{ at: new Date(), groupId: 'sb.metrics', state: 'Stable', members: 1, status: 'WARN', evidence: 'WARN: growing', lag: 42, replayLag: 0, noCommitPartitions: 0, dataLossPartitions: 0, secondsBehind: 7.5, secondsSource: 'outbox', consumeRate: 1, produceRate: 2, etaSeconds: null, partitions: [['orders.v1', 0, 0, 50, 8, 'm', 7.5]] }]);
    const { GET: metrics } = await import('@/app/api/metrics/route');
    const { GET: consumers } = await import('@/app/api/consumers/route');
    const { GET: tokens } = await import('@/app/api/tokens/route');
    const created = await createApiToken(db, admin, { name: 'prometheus' });
    const req = (path: string, token: string) => new NextRequest(`http://localhost:3000${path}`, { headers: { authorization: `Bearer ${token}` } });

    const ok = await metrics(req('/api/metrics', created.token));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await ok.text();
    expect(text).toContain('signalbox_consumer_lag_messages{group="sb.metrics"} 42');
    expect(text).toContain('signalbox_consumer_topic_lag_messages{group="sb.metrics",topic="orders.v1"} 42');
    expect(text).toContain('signalbox_consumer_lag_seconds{group="sb.metrics",source="outbox"} 7.5');
    expect(text).toContain('signalbox_consumer_status{group="sb.metrics",status="WARN"} 1');
    expect(text).toContain('signalbox_consumer_status{group="sb.metrics",status="OK"} 0');
    expect(text).not.toMatch(/partition="/);

    const list = await consumers(req('/api/consumers?status=WARN', created.token));
    expect(list.status).toBe(200);
    expect(((await list.json()) as { groups: { groupId: string }[] }).groups.map((g) => g.groupId)).toEqual(['sb.metrics']);

    expect((await metrics(req('/api/metrics', 'sbx_' + 'A'.repeat(43)))).status).toBe(401);
    expect((await tokens(req('/api/tokens', created.token))).status).toBe(401);
    await revokeApiToken(db, admin, created.id, new Date());
    const revoked = await metrics(req('/api/metrics', created.token));
    expect(revoked.status).toBe(401);
    expect(await revoked.json()).toMatchObject({ error: { code: 'unauthorized' } });
  });
});
