// Incremental drift checks (docs/projections.md "Incremental drift checks"): the first
// check folds the whole log and keeps it as the version's base; later checks fold only
// the events since the base's cut onto it and still compare every row of the read model
// by content. Shown here: new events and injected corruption after the base are found
// incrementally, exactly as a cold check finds them; a clean projection under new events
// shows none; a changed stamp or bucket count, a checkpoint behind the base, and a base
// edited, emptied or dropped behind the check's back each make the check cold (the base
// is never silently trusted); bases of dropped versions are removed by the next cold build;
// two checks at once leave a consistent base.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { pgDriftDb } from '@/lib/adapters/postgres/event-log-stream';
import { checkProjectionDrift, type DriftOptions, type DriftSpec } from '@/lib/backbone/projection-drift';
import { demoDriftSpecs } from '@/lib/demo/projections/drift-specs';
import { runDriftCheck } from '@/lib/jobs/kinds/projection-drift-check';
import { repairKeys } from '@/lib/jobs/kinds/projection-repair';
import type { ProjectionJobDeps } from '@/lib/jobs/kinds/projection-deps';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { customerIds, driftTestDeps, projectionFeeder } from '../support/projection-feed';

const PARTITIONS = 4;
const TABLE = 'customer_stats_v1';
const BASE = 'customer_stats_v1__drift_base';
let database: TestDatabase;
let db: Db;
let deps: ProjectionJobDeps;
let feed: ReturnType<typeof projectionFeeder>;

beforeAll(async () => {
  database = await createTestDatabase('projection_drift_incremental');
  db = createDb(database.url, { poolSize: 12 });
  feed = projectionFeeder(db, PARTITIONS, '/test/projection-drift-incremental');
  deps = driftTestDeps(db, database.url);
}, 60_000);

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

const counts = (r: { missing: number; extra: number; different: number }) => ({ missing: r.missing, extra: r.extra, different: r.different });
const check = (name: string, extra: Parameters<typeof runDriftCheck>[3] = {}) => runDriftCheck(deps, name, null, extra).then((x) => x.result);

/** A check with a spec changed by the test (another stamp) or other options, as the job runs it. */
async function checkWith(spec: DriftSpec<unknown>, options: Partial<DriftOptions> = {}) {
  return checkProjectionDrift(pgDriftDb(database.url, db), deps.registry, spec, { table: TABLE, checkpointName: 'customer-stats', version: 1 }, {
    buckets: 64, samplesPerKind: 5, publishWaitMs: 5_000, ...options,
  });
}

async function baseRow() {
  const [row] = await db.$queryRawUnsafe<Array<{ cut: Array<{ partition: number; offset: string }>; rows: string; events: string; built_at: Date; updated_at: Date }>>(
    `SELECT cut, rows::text, events::text, built_at, updated_at FROM projection_drift_bases WHERE projection = 'customer-stats' AND version = 1`,
  );
  return row;
}

describe('incremental drift check', () => {
  it('builds the base cold once, then folds only new events and still finds nothing on a clean projection', async () => {
    const fed = await feed(customerIds('a', 40), 2);
    const first = await check('customer-stats');
    expect(first).toMatchObject({ mode: 'cold', coldReason: 'no base yet', baseSaved: true, eventsRead: fed });
    expect(counts(first)).toEqual({ missing: 0, extra: 0, different: 0 });
    const built = await baseRow();
    expect(Number(built!.rows)).toBe(40);

    // New events over existing and new keys.
    const more = await feed(customerIds('a', 10).concat(customerIds('b', 15)), 1);
    const second = await check('customer-stats');
    expect(second).toMatchObject({ mode: 'incremental', coldReason: null, baseSaved: true, eventsRead: more, rowsExpected: 55, rowsActual: 55 });
    expect(counts(second)).toEqual({ missing: 0, extra: 0, different: 0 });
    const after = await baseRow();
    expect(after!.built_at).toEqual(built!.built_at);
    expect(Number(after!.events)).toBe(fed + more);
    const [cps] = await db.$queryRawUnsafe<Array<{ cut: string }>>(
      `SELECT json_agg(json_build_object('partition', partition, 'offset', "offset"::text) ORDER BY partition)::text AS cut FROM projection_checkpoints WHERE projection = 'customer-stats'`,
    );
    expect(after!.cut.map(({ partition, offset }) => ({ partition, offset }))).toEqual(JSON.parse(cps!.cut));

    // Nothing new: an incremental check with an empty delta.
    const third = await check('customer-stats');
    expect(third).toMatchObject({ mode: 'incremental', eventsRead: 0 });
    expect(counts(third)).toEqual({ missing: 0, extra: 0, different: 0 });
    // The other projection (uuid keys) goes the same way.
    await check('order-summary');
    await feed(customerIds('c', 5), 1);
    const orders = await check('order-summary');
    expect(orders).toMatchObject({ mode: 'incremental', missing: 0, extra: 0, different: 0 });
  }, 120_000);

  it('finds missing, extra and changed rows injected after new events, as a cold check does; repair then clears them', async () => {
    await check('customer-stats');
    await feed(customerIds('a', 20).concat(customerIds('d', 10)), 1);
    const keys = (await db.$queryRawUnsafe<Array<{ customer_id: string }>>(`SELECT customer_id FROM ${TABLE} WHERE customer_id LIKE 'a-%' OR customer_id LIKE 'd-%' ORDER BY customer_id`)).map((r) => r.customer_id);
    // d-* rows exist only since the base: the corruption hits keys the delta touches and keys it does not.
    const [m1, c1, c2] = [keys.find((k) => k.startsWith('d-'))!, keys[0]!, keys.at(-1)!];
    const m2 = keys.find((k) => k.startsWith('a-03'))!;
    await db.$executeRawUnsafe(`DELETE FROM ${TABLE} WHERE customer_id = ANY($1::text[])`, [m1, m2]);
    await db.$executeRawUnsafe(`INSERT INTO ${TABLE} (customer_id, orders_placed, orders_cancelled, revenue_cents, last_event_id, updated_at)
      VALUES ('ghost-1', 1, 0, 5, gen_random_uuid(), now())`);
    await db.$executeRawUnsafe(`UPDATE ${TABLE} SET revenue_cents = revenue_cents + 1 WHERE customer_id = ANY($1::text[])`, [c1, c2]);

    const found = await check('customer-stats', { collectKeys: true });
    expect(found.mode).toBe('incremental');
    expect(counts(found)).toEqual({ missing: 2, extra: 1, different: 2 });
    expect(new Set(found.keys)).toEqual(new Set([m1, m2, 'ghost-1', c1, c2]));
    expect(found.samples.find((s) => s.key === c1)?.columns.map((c) => c.column)).toEqual(['revenue_cents']);
    const cold = await check('customer-stats', { cold: true, collectKeys: true });
    expect(cold).toMatchObject({ mode: 'cold', coldReason: 'a cold check was asked for' });
    expect(counts(cold)).toEqual(counts(found));
    expect(new Set(cold.keys)).toEqual(new Set(found.keys));

    await db.$transaction((tx) => repairKeys(deps, demoDriftSpecs['customer-stats']!, 'customer-stats', found.keys!, tx), { timeout: 60_000 });
    await feed(customerIds('a', 3), 1);
    const clean = await check('customer-stats');
    expect(clean.mode).toBe('incremental');
    expect(counts(clean)).toEqual({ missing: 0, extra: 0, different: 0 });
  }, 120_000);

  it('rebuilds the base cold when the stamp, the bucket count or the checkpoints no longer fit it', async () => {
    const spec = demoDriftSpecs['customer-stats']!;
    expect((await checkWith(spec)).mode).toBe('incremental');
    const bumped = await checkWith({ ...spec, codeVersion: 'evolve-2' });
    expect(bumped).toMatchObject({ mode: 'cold', coldReason: expect.stringMatching(/code or columns changed/) });
    // The new stamp is now the base's: the old code is the changed one.
    expect((await checkWith({ ...spec, codeVersion: 'evolve-2' })).mode).toBe('incremental');
    expect((await checkWith(spec)).mode).toBe('cold');
    expect((await checkWith(spec, { buckets: 128 })).coldReason).toMatch(/64 buckets, not 128/);
    expect((await checkWith(spec)).coldReason).toMatch(/128 buckets, not 64/);
    // A checkpoint behind the base (an offset reset): the base holds events past it.
    await db.$executeRawUnsafe(`UPDATE projection_checkpoints SET "offset" = "offset" - 1 WHERE projection = 'customer-stats' AND partition = 0`);
    try {
      const behind = await checkWith(spec);
      expect(behind.coldReason).toMatch(/went back/);
    } finally {
      await db.$executeRawUnsafe(`UPDATE projection_checkpoints SET "offset" = "offset" + 1 WHERE projection = 'customer-stats' AND partition = 0`);
    }
    // The cold check kept its base at the lowered cut; the restored checkpoint is past it: one event to fold.
    const back = await checkWith(spec);
    expect(back).toMatchObject({ mode: 'incremental', eventsRead: 1, missing: 0, extra: 0, different: 0 });
  }, 120_000);

  it('does not trust a base edited, emptied or dropped behind its back: the check goes cold and stays right', async () => {
    await feed(customerIds('e0', 10), 2); // a base of more events than each round adds (else a whole fold is as cheap)
    await check('customer-stats');
    const tamper = [
      `UPDATE ${BASE} SET orders_placed = orders_placed + 1 WHERE customer_id = (SELECT min(customer_id) FROM ${BASE})`,
      `DELETE FROM ${BASE} WHERE customer_id = (SELECT max(customer_id) FROM ${BASE})`,
      `TRUNCATE ${BASE}`,
      `DROP TABLE ${BASE}`,
    ];
    for (const sql of tamper) {
      await feed(customerIds('e', 4), 1);
      await db.$executeRawUnsafe(sql);
      const result = await check('customer-stats');
      expect(result.mode, sql).toBe('cold');
      expect(result.coldReason, sql).toMatch(sql.startsWith('DROP') ? /is gone/ : /did not match its carried checksums/);
      expect(counts(result), sql).toEqual({ missing: 0, extra: 0, different: 0 });
      const next = await check('customer-stats');
      expect(next.mode, sql).toBe('incremental');
    }
    // A corrupted read model is still reported when the base is rebuilt at the same time.
    await db.$executeRawUnsafe(`UPDATE ${BASE} SET revenue_cents = 0`);
    await db.$executeRawUnsafe(`UPDATE ${TABLE} SET orders_cancelled = orders_cancelled + 1 WHERE customer_id = 'e-000'`);
    const both = await check('customer-stats');
    expect(both.mode).toBe('cold');
    expect(counts(both)).toEqual({ missing: 0, extra: 0, different: 1 });
    await db.$executeRawUnsafe(`UPDATE ${TABLE} SET orders_cancelled = orders_cancelled - 1 WHERE customer_id = 'e-000'`);
  }, 120_000);

  it('a cold build drops the bases of versions whose table is gone, and keeps the others', async () => {
    for (const [version, table] of [[7, 'customer_stats_v7'], [8, 'customer_stats_v8']] as const) {
      await db.$executeRawUnsafe(`CREATE UNLOGGED TABLE ${table}__drift_base (LIKE ${TABLE})`);
      await db.$executeRawUnsafe(
        `INSERT INTO projection_drift_bases (projection, version, table_name, base_table, stamp, buckets, cut, checksums, rows, events, built_at, updated_at)
         VALUES ('customer-stats', $1, $2, $3, 'x', 64, '[]', '{}', 0, 0, now(), now())`, version, table, `${table}__drift_base`,
      );
    }
    await db.$executeRawUnsafe(`CREATE TABLE customer_stats_v8 (LIKE ${TABLE})`); // v8 still exists, v7 was dropped
    try {
      expect((await check('customer-stats', { cold: true })).mode).toBe('cold');
      const left = await db.$queryRawUnsafe<Array<{ version: number }>>(`SELECT version FROM projection_drift_bases WHERE projection = 'customer-stats' ORDER BY version`);
      expect(left.map((r) => r.version)).toEqual([1, 8]);
      const tables = await db.$queryRawUnsafe<Array<{ t: string | null }>>(`SELECT to_regclass('customer_stats_v7__drift_base')::text AS t UNION ALL SELECT to_regclass('customer_stats_v8__drift_base')::text`);
      expect(tables.map((r) => r.t)).toEqual([null, 'customer_stats_v8__drift_base']);
    } finally {
      await db.$executeRawUnsafe(`DROP TABLE IF EXISTS customer_stats_v8, customer_stats_v8__drift_base, customer_stats_v7__drift_base`);
      await db.$executeRawUnsafe(`DELETE FROM projection_drift_bases WHERE version IN (7, 8)`);
    }
  }, 120_000);

  it('two checks at once: one waits for the other, both right, and the base they leave is consistent', async () => {
    await feed(customerIds('f', 12), 1);
    const [x, y] = await Promise.all([check('customer-stats'), check('customer-stats')]);
    for (const r of [x, y]) expect(counts(r)).toEqual({ missing: 0, extra: 0, different: 0 });
    expect([x.mode, y.mode]).toEqual(['incremental', 'incremental']);
    expect(x.eventsRead + y.eventsRead).toBeGreaterThan(0);
    expect(Math.min(x.eventsRead, y.eventsRead)).toBe(0); // the second one found the first one's base at its own cut
    await feed(customerIds('f', 2), 1);
    const next = await check('customer-stats');
    expect(next).toMatchObject({ mode: 'incremental', missing: 0, extra: 0, different: 0 });
  }, 120_000);
});
