// Wall tokens on the real PostgreSQL: an admin creates one (scope "wall", audited, shown
// once); it opens the wall and nothing else: the read API refuses it as a bearer token, a
// read token does not open the wall, /wall/enter trades it for an httpOnly cookie scoped
// to /wall and redirects to a clean /wall; revoking ends it. The wall's figures come from
// the stored check states and incidents.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { NextRequest } from 'next/server';
import type { Db } from '@/lib/adapters/prisma/client';
import { createApiToken } from '@/lib/app/create-api-token';
import { revokeApiToken } from '@/lib/app/revoke-api-token';
import { verifyApiToken, verifyWallToken } from '@/lib/auth/api-token';
import { getWallStatus } from '@/lib/read/get-wall-status';
import { WALL_COOKIE } from '@/lib/domain/checks/wall';
import type { SessionUser } from '@/lib/domain/session-user';
import { openRouteTestDatabase, type RouteTestDatabase } from '../support/route-test-database';

let context: RouteTestDatabase;
let db: Db;
let sql: pg.Client;
const admin: SessionUser = { id: '00000000-0000-4000-8000-000000000001', email: 'admin@example.com', name: null, role: 'admin' };
const operator: SessionUser = { id: '00000000-0000-4000-8000-000000000003', email: 'operator@example.com', name: null, role: 'operator' };

beforeAll(async () => {
  // The route handlers build their context from the console's environment (set by openRouteTestDatabase).
  context = await openRouteTestDatabase('checks_wall');
  ({ db, sql } = context);
});

afterAll(async () => {
  await context?.close();
});

const bearer = (path: string, token: string) => new NextRequest(`http://localhost:3000${path}`, { headers: { authorization: `Bearer ${token}` } });

describe('wall tokens', () => {
  it('an admin creates one, audited with its scope; an operator may not', async () => {
    const wall = await createApiToken(db, admin, { name: 'office screen', scope: 'wall' });
    expect(wall.scope).toBe('wall');
    const audit = (await sql.query(`SELECT outcome, details FROM audit_log WHERE action = 'tokens.create' AND target = $1`, [wall.id])).rows;
    expect(audit).toEqual([{ outcome: 'ok', details: expect.objectContaining({ name: 'office screen', scope: 'wall' }) }]);
    await expect(createApiToken(db, operator, { name: 'sneaky wall', scope: 'wall' })).rejects.toMatchObject({ code: 'forbidden' });
    expect((await sql.query(`SELECT count(*)::int AS n FROM api_tokens WHERE name = 'sneaky wall'`)).rows[0].n).toBe(0);
    // Scopes are a closed set.
    const { createApiTokenInputSchema } = await import('@/lib/app/create-api-token');
    expect(createApiTokenInputSchema.safeParse({ name: 'x', scope: 'admin' }).success).toBe(false);
    expect(createApiTokenInputSchema.parse({ name: 'x' }).scope).toBe('read');
  });

  it('opens the wall only: the read API refuses it, a read token does not open the wall', async () => {
    const wall = await createApiToken(db, admin, { name: 'wall-2', scope: 'wall' });
    const read = await createApiToken(db, admin, { name: 'script', scope: 'read' });
    const now = new Date();
    expect(await verifyWallToken(db, wall.token, now)).toMatchObject({ id: wall.id, name: 'wall-2' });
    expect(await verifyApiToken(db, wall.token, now)).toBeNull();
    expect(await verifyWallToken(db, read.token, now)).toBeNull();
    expect(await verifyApiToken(db, read.token, now)).toMatchObject({ role: 'viewer' });

    const { GET: metrics } = await import('@/app/api/metrics/route');
    const { GET: consumers } = await import('@/app/api/consumers/route');
    const { GET: checks } = await import('@/app/api/checks/route');
    const { GET: status } = await import('@/app/api/status/route');
    for (const [route, path] of [[metrics, '/api/metrics'], [consumers, '/api/consumers'], [checks, '/api/checks'], [status, '/api/status']] as const) {
      expect((await route(bearer(path, wall.token))).status, path).toBe(401);
    }
    expect((await metrics(bearer('/api/metrics', read.token))).status).toBe(200);
  });

  it('/wall/enter trades the token for an httpOnly cookie scoped to /wall and redirects to a clean /wall; a bad or read token is refused', async () => {
    const { GET: enter } = await import('@/app/wall/enter/route');
    const wall = await createApiToken(db, admin, { name: 'wall-3', scope: 'wall' });
    const res = await enter(new NextRequest(`http://localhost:3000/wall/enter?token=${wall.token}&theme=light`));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/wall?theme=light');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toContain(`${WALL_COOKIE}=${wall.token}`);
    expect(cookie).toMatch(/Path=\/wall(;|$)/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=strict/i);
    expect(cookie).not.toMatch(/Secure/i); // plain http here; Secure over https

    const read = await createApiToken(db, admin, { name: 'script-2', scope: 'read' });
    for (const token of [read.token, 'sbx_' + 'A'.repeat(43), '']) {
      const refused = await enter(new NextRequest(`http://localhost:3000/wall/enter?token=${token}`));
      expect(refused.status).toBe(303);
      expect(refused.headers.get('location')).toBe('/wall?refused=1');
      expect(refused.headers.get('set-cookie')).toMatch(new RegExp(`${WALL_COOKIE}=;.*Max-Age=0`, 'i'));
    }

    await revokeApiToken(db, admin, wall.id, new Date());
    expect(await verifyWallToken(db, wall.token, new Date())).toBeNull();
    expect((await enter(new NextRequest(`http://localhost:3000/wall/enter?token=${wall.token}`))).headers.get('location')).toBe('/wall?refused=1');
  });

  it('figures: overall state, counts, entities and the checks that are not OK, worst first, and open incidents', async () => {
    const now = new Date();
    const ago = (s: number) => new Date(now.getTime() - s * 1000);
    await sql.query(
      `INSERT INTO check_states (check_id, kind, subject, state, since, evidence, facts, evaluated_at) VALUES
        ('consumer.status:shipping', 'consumer.status', 'shipping', 'CRIT', $1, 'STOP: no commit for 5 min', '{}', $3),
        ('consumer.lag:shipping', 'consumer.lag', 'shipping', 'WARN', $2, '90 s behind', '{}', $3),
        ('relay.alive:system', 'relay.alive', 'system', 'OK', $1, 'beat 1 s ago', '{}', $3)`,
      [ago(300), ago(120), ago(2)],
    );
    await sql.query(`INSERT INTO incidents (id, check_id, kind, subject, worst_state, started_at, first_evidence, last_evidence) VALUES (gen_random_uuid(), 'consumer.status:shipping', 'consumer.status', 'shipping', 'CRIT', $1, 'STOP', 'STOP')`, [ago(300)]);
    const v = await getWallStatus(db, now);
    expect(v.overall).toBe('CRIT');
    expect(v.counts.CRIT).toBeGreaterThanOrEqual(1);
    expect(v.counts.WARN).toBeGreaterThanOrEqual(1);
    // Worst first (the checker never beat here, so "Checker fresh" is CRIT too), then longest first.
    const rank = { OK: 0, WARN: 1, CRIT: 2 } as const;
    expect(v.notOk.map((c) => rank[c.state])).toEqual(v.notOk.map((c) => rank[c.state]).sort((a, b) => b - a));
    expect(v.notOk.filter((c) => c.subject === 'shipping').map((c) => [c.title, c.state, c.evidence])).toEqual([
      ['Consumer group status', 'CRIT', 'STOP: no commit for 5 min'],
      ['Consumer seconds behind', 'WARN', '90 s behind'],
    ]);
    expect(v.notOk.find((c) => c.title === 'Checker fresh')).toMatchObject({ state: 'CRIT' });
    expect(v.entities.find((e) => e.area === 'consumer' && e.subject === 'shipping')).toMatchObject({ state: 'CRIT' });
    expect(v.entities.find((e) => e.subject === 'Outbox relay alive')).toMatchObject({ state: 'OK', area: 'flow' });
    expect(v.openIncidents).toEqual([expect.objectContaining({ title: 'Consumer group status', subject: 'shipping', worstState: 'CRIT' })]);
    // Nothing beyond the wall's figures: no facts, no runbooks, no links.
    expect(JSON.stringify(v)).not.toMatch(/runbook|facts|href/);
  });
});
