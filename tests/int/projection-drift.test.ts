// Drift checks by content (issue 10): rows removed, added and changed behind the
// projection's back are each found and counted exactly; a clean projection under
// live writes — including events applied before the relay marked them published —
// shows none; repair rewrites only the divergent keys, and the independent SQL
// recomputation (tests/support/demo-projection-checks.ts) agrees before and after.
// The projection is fed through applyProjectionBatch (what the live consumer runs)
// with Kafka coordinates assigned here (tests/support/projection-feed.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { ORDERS_TOPIC } from '@/lib/demo/orders/events';
import { demoDriftSpecs } from '@/lib/demo/projections/drift-specs';
import { runDriftCheck } from '@/lib/jobs/kinds/projection-drift-check';
import { repairKeys } from '@/lib/jobs/kinds/projection-repair';
import type { ProjectionJobDeps } from '@/lib/jobs/kinds/projection-deps';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { customerStatsDrift } from '../support/demo-projection-checks';
import { driftTestDeps, projectionFeeder } from '../support/projection-feed';
import { corruptProjection } from '@/lib/app/corrupt-projection';
import { listProjections } from '@/lib/read/list-projections';

const PARTITIONS = 4;
let database: TestDatabase;
let db: Db;
let deps: ProjectionJobDeps;
let feeder: ReturnType<typeof projectionFeeder>;

beforeAll(async () => {
  database = await createTestDatabase('projection_drift');
  db = createDb(database.url, { poolSize: 12 });
  feeder = projectionFeeder(db, PARTITIONS, '/test/projection-drift');
  deps = driftTestDeps(db, database.url);
}, 60_000);

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

const feed = async (customers: string[], ordersEach: number, markLate = false) => { await feeder(customers, ordersEach, markLate); };

const customers = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);

describe('projection drift', () => {
  it('finds nothing on a clean projection, for both projections', async () => {
    await feed(customers('base', 60), 3);
    for (const name of ['customer-stats', 'order-summary']) {
      const { result } = await runDriftCheck(deps, name, null);
      expect(result.rowsExpected, name).toBeGreaterThan(0);
      expect(result.rowsActual).toBe(result.rowsExpected);
      expect({ missing: result.missing, extra: result.extra, different: result.different, buckets: result.bucketsDiffering }).toEqual({ missing: 0, extra: 0, different: 0, buckets: 0 });
    }
    expect(await customerStatsDrift(db, [ORDERS_TOPIC])).toEqual([]);
  }, 120_000);

  it('finds nothing under live writes, including events applied before they were marked published', async () => {
    let stop = false;
    const live = (async () => {
      for (let round = 0; !stop; round++) await feed(customers(`live${round}`, 5).concat(['base-001', 'base-002']), 2, round % 2 === 0);
    })();
    try {
      for (let i = 0; i < 3; i++) {
        const { result } = await runDriftCheck(deps, 'customer-stats', null);
        expect({ missing: result.missing, extra: result.extra, different: result.different }, `check ${i}`).toEqual({ missing: 0, extra: 0, different: 0 });
        expect(result.unconfirmed).toBe(0);
      }
    } finally {
      stop = true;
      await live;
      await new Promise((r) => setTimeout(r, 500));
    }
  }, 180_000);

  it('counts missing, extra and changed rows exactly, samples the columns, and repair fixes only those keys', async () => {
    const table = 'customer_stats_v1';
    const keys = (await db.$queryRawUnsafe<Array<{ customer_id: string }>>(`SELECT customer_id FROM ${table} ORDER BY customer_id LIMIT 9`)).map((r) => r.customer_id);
    const [m1, m2, m3, c1, c2, c3, c4] = keys;
    await db.$executeRawUnsafe(`DELETE FROM ${table} WHERE customer_id = ANY($1::text[])`, [m1, m2, m3]);
    await db.$executeRawUnsafe(`INSERT INTO ${table} (customer_id, orders_placed, orders_cancelled, revenue_cents, last_event_id, updated_at)
      VALUES ('ghost-1', 1, 0, 5, gen_random_uuid(), now()), ('ghost-2', 2, 0, 7, gen_random_uuid(), now())`);
    await db.$executeRawUnsafe(`UPDATE ${table} SET orders_placed = orders_placed + 1 WHERE customer_id = ANY($1::text[])`, [c1, c2]);
    await db.$executeRawUnsafe(`UPDATE ${table} SET revenue_cents = revenue_cents - 1 WHERE customer_id = ANY($1::text[])`, [c3, c4]);
    // last_event_id is not compared (order-dependent across partitions): changing it is not drift.
    await db.$executeRawUnsafe(`UPDATE ${table} SET last_event_id = gen_random_uuid() WHERE customer_id = $1`, keys[8]);

    const { result } = await runDriftCheck(deps, 'customer-stats', null, { collectKeys: true });
    expect({ missing: result.missing, extra: result.extra, different: result.different }).toEqual({ missing: 3, extra: 2, different: 4 });
    expect(result.rowsCompared).toBe(result.rowsExpected + 2);
    expect(result.driftPct).toBeCloseTo((9 / result.rowsCompared) * 100, 6);
    expect(new Set(result.keys)).toEqual(new Set([m1, m2, m3, c1, c2, c3, c4, 'ghost-1', 'ghost-2']));
    const changed = result.samples.find((s) => s.key === c1)!;
    expect(changed.kind).toBe('different');
    expect(changed.columns.map((c) => c.column)).toEqual(['orders_placed']);
    expect(Number(changed.columns[0]!.actual)).toBe(Number(changed.columns[0]!.expected) + 1);
    expect(result.samples.find((s) => s.key === 'ghost-1')?.kind).toBe('extra');
    expect(result.samples.find((s) => s.key === m1)?.kind).toBe('missing');
    expect((await customerStatsDrift(db, [ORDERS_TOPIC])).length).toBe(9);
    const stored = await db.driftReport.findFirst({ where: { projection: 'customer-stats' }, orderBy: { startedAt: 'desc' } });
    expect(stored?.status).toBe('drift');
    expect(Number(stored?.missing)).toBe(3);

    const before = new Map((await db.$queryRawUnsafe<Array<{ customer_id: string; x: string }>>(`SELECT customer_id, xmin::text AS x FROM ${table}`)).map((r) => [r.customer_id, r.x]));
    const spec = demoDriftSpecs['customer-stats']!;
    for (let i = 0; i < result.keys!.length; i += 4) {
      const out = await db.$transaction((tx) => repairKeys(deps, spec, 'customer-stats', result.keys!.slice(i, i + 4), tx), { timeout: 60_000 });
      expect(out.deferred).toEqual([]);
    }
    const after = await db.$queryRawUnsafe<Array<{ customer_id: string; x: string }>>(`SELECT customer_id, xmin::text AS x FROM ${table}`);
    const touched = after.filter((r) => before.get(r.customer_id) !== r.x).map((r) => r.customer_id);
    expect(new Set(touched)).toEqual(new Set([m1, m2, m3, c1, c2, c3, c4]));
    expect(after.some((r) => r.customer_id.startsWith('ghost-'))).toBe(false);
    expect(await customerStatsDrift(db, [ORDERS_TOPIC])).toEqual([]);
    const again = await runDriftCheck(deps, 'customer-stats', null);
    expect(again.result.missing + again.result.extra + again.result.different).toBe(0);
  }, 180_000);

  it('the demo knob corrupts rows behind the projection; the check finds them and the page read shows it', async () => {
    const actor = { id: null, email: 'test', role: 'operator' };
    const done = await corruptProjection(db, actor, 'customer-stats', { rows: 4 });
    expect(done).toMatchObject({ changed: 4, deleted: 2, added: 2 });
    const { result } = await runDriftCheck(deps, 'customer-stats', null);
    expect(result.missing).toBe(2);
    expect(result.extra).toBe(2);
    expect(result.different).toBeGreaterThanOrEqual(2); // a changed row may have been deleted too
    expect(result.different).toBeLessThanOrEqual(4);
    const { projections } = await listProjections(db);
    const stats = projections.find((p) => p.projection === 'customer-stats')!;
    expect(stats).toMatchObject({ version: 1, table: 'customer_stats_v1', checkpointName: 'customer-stats', state: 'live', lagEvents: 0 });
    expect(stats.lastDrift?.status).toBe('drift');
    expect(stats.lastDrift?.missing).toBe(2);
    expect(await db.auditEntry.count({ where: { action: 'demo.projection.corrupt' } })).toBe(1);
  }, 120_000);
});
