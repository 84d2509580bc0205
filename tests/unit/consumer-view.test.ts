import { describe, expect, it } from 'vitest';
import { consumerListQuerySchema, countByStatus, etaOf, filterAndSort, freshnessOf, statusChanges, windowPlan } from '@/lib/read/consumer-view';
import type { LagStatus } from '@/lib/domain/lag/health';

const g = (groupId: string, status: LagStatus, lag: number | null, secondsBehind: number | null, topics = ['orders.v1'], evidence = '') => ({ groupId, status, lag, secondsBehind, topics, evidence });
const groups = [g('a', 'OK', 0, 0), g('b', 'WARN', 300, 90), g('c', 'STOP', 40, 600, ['payments.v1'], 'STOP: no members'), g('d', 'ERR', null, null)];
const ids = (q: Record<string, string>) => filterAndSort(groups, consumerListQuerySchema.parse(q)).map((x) => x.groupId);

describe('consumer list filter and sort', () => {
  it('sorts by seconds behind, worst first, by default; unknown seconds last', () => {
    expect(ids({})).toEqual(['c', 'b', 'a', 'd']);
  });
  it('sorts by any column either way, ties by group id', () => {
    expect(ids({ sort: 'lag' })).toEqual(['d', 'a', 'c', 'b']);
    expect(ids({ sort: '-status' })).toEqual(['d', 'c', 'b', 'a']);
    expect(ids({ sort: 'group' })).toEqual(['a', 'b', 'c', 'd']);
  });
  it('filters by statuses (any case), topic and text in id or evidence', () => {
    expect(ids({ status: 'warn,STOP' })).toEqual(['c', 'b']);
    expect(ids({ topic: 'payments.v1' })).toEqual(['c']);
    expect(ids({ q: 'NO MEMBERS' })).toEqual(['c']);
  });
  it('refuses unknown statuses, sorts and parameters', () => {
    expect(consumerListQuerySchema.safeParse({ status: 'BAD' }).success).toBe(false);
    expect(consumerListQuerySchema.safeParse({ sort: 'drop' }).success).toBe(false);
    expect(consumerListQuerySchema.safeParse({ page: '2' }).success).toBe(false);
  });
});

describe('presenter rules', () => {
  it('ETA in words: caught up, draining, not draining, unknown', () => {
    expect(etaOf(0, null, null, null).state).toBe('caught-up');
    expect(etaOf(100, 120, 3, 2)).toMatchObject({ state: 'draining', text: 'about 2 min' });
    expect(etaOf(100, null, 1, 2).state).toBe('not-draining');
    expect(etaOf(100, null, null, null).state).toBe('unknown');
  });
  it('windows: raw up to 24 h, rollups for 7 d, at most ~200 points', () => {
    for (const w of ['15m', '1h', '24h', '7d'] as const) {
      const p = windowPlan(w);
      expect(p.ms / 1000 / p.bucketSeconds).toBeLessThanOrEqual(200);
    }
    expect(windowPlan('24h').source).toBe('raw');
    expect(windowPlan('7d').source).toBe('rollup');
  });
  it('status changes, newest first', () => {
    const pts = ['OK', 'OK', 'WARN', 'WARN', 'STOP'].map((status, i) => ({ at: `t${i}`, status }));
    expect(statusChanges(pts).map((c) => `${c.at}:${c.status}`)).toEqual(['t4:STOP', 't2:WARN', 't0:OK']);
    expect(statusChanges([])).toEqual([]);
  });
  it('freshness: missing, fresh, stale after three intervals (at least 30 s)', () => {
    const now = new Date('2026-01-01T00:01:00Z');
    expect(freshnessOf(null, 10_000, now).state).toBe('missing');
    expect(freshnessOf(new Date('2026-01-01T00:00:35Z'), 10_000, now)).toMatchObject({ state: 'fresh', ageSeconds: 25 });
    expect(freshnessOf(new Date('2026-01-01T00:00:25Z'), 10_000, now).state).toBe('stale');
    expect(freshnessOf(new Date('2026-01-01T00:00:25Z'), 60_000, now).state).toBe('fresh');
  });
  it('counts every status, zero when absent', () => {
    expect(countByStatus(['OK', 'OK', 'STOP', 'nonsense'])).toEqual({ ERR: 0, STOP: 1, STALL: 0, REWIND: 0, WARN: 0, OK: 2 });
  });
});
