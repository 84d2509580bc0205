import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bucketChecksumSql, bucketSql, canonicalRowSql, checkedBuckets, rowHashSql } from '@/lib/domain/drift/sql-parts';
import { columnDiffs, driftKindOf, driftPercent, pickSamples } from '@/lib/domain/drift/report';
import { unseenItems, partitionKey } from '@/lib/backbone/projection-versions';

describe('drift SQL parts', () => {
  it('canonical text is a row literal of the compared columns in the given order', () => {
    expect(canonicalRowSql('t', ['orders_placed', 'revenue_cents'])).toBe('ROW(t."orders_placed", t."revenue_cents")::text');
    expect(() => canonicalRowSql('t', [])).toThrow(/at least one/);
    expect(() => canonicalRowSql('t', ['x"; drop table y; --'])).toThrow(/Invalid identifier/);
  });
  it('buckets are the low bits of the key hash; only powers of two', () => {
    expect(bucketSql('t', 'customer_id', 1024)).toBe('(hashtextextended(t."customer_id"::text, 0) & 1023)::int');
    for (const bad of [0, 3, 1000, 1.5, 1 << 21]) expect(() => checkedBuckets(bad)).toThrow();
    fc.assert(fc.property(fc.integer({ min: 0, max: 20 }), (e) => checkedBuckets(2 ** e) === 2 ** e));
  });
  it('row hash covers key and content; checksums group by bucket', () => {
    expect(rowHashSql('t', 'k', ['a'])).toBe('hashtextextended(t."k"::text || chr(30) || ROW(t."a")::text, 0)');
    expect(bucketChecksumSql('"x"', 'k', ['a'], 4)).toMatch(/count\(\*\)::bigint AS n, bit_xor\(.*\) AS h\s+FROM "x" t GROUP BY 1/);
  });
});

describe('drift report', () => {
  it('drift % counts every divergent row against the union of keys', () => {
    expect(driftPercent({ rowsExpected: 0, rowsActual: 0, missing: 0, extra: 0, different: 0 })).toBe(0);
    expect(driftPercent({ rowsExpected: 98, rowsActual: 99, missing: 1, extra: 2, different: 1 })).toBe(4);
  });
  it('column diffs: only differing compared columns; every column for a one-sided row', () => {
    expect(columnDiffs(['a', 'b'], { a: 1, b: 2, z: 9 }, { a: 1, b: 3, z: 0 })).toEqual([{ column: 'b', expected: 2, actual: 3 }]);
    expect(columnDiffs(['a', 'b'], null, { a: 1, b: 2 })).toEqual([{ column: 'a', expected: null, actual: 1 }, { column: 'b', expected: null, actual: 2 }]);
    expect(driftKindOf(null, {})).toBe('extra');
    expect(driftKindOf({}, null)).toBe('missing');
    expect(driftKindOf({}, {})).toBe('different');
  });
  it('samples at most N per kind, in key order, so one kind never hides another', () => {
    const rows = [
      ...Array.from({ length: 10 }, (_, i) => ({ key: `m${i}`, expected: { a: i }, actual: null })),
      { key: 'x1', expected: null, actual: { a: 1 } },
      { key: 'd1', expected: { a: 1 }, actual: { a: 2 } },
      { key: 'd0', expected: { a: 1, z: 1 }, actual: { a: 1, z: 2 } }, // differs only outside the compared columns
    ];
    const s = pickSamples(rows, ['a'], 3);
    expect(s.map((x) => x.key)).toEqual(['d1', 'm0', 'm1', 'm2', 'x1']);
  });
});

describe('versioned consumer', () => {
  it('drops items at or below the active version checkpoint of their partition', () => {
    const item = (p: number, o: number) => ({ event: {} as never, message: { topic: 't', partition: p, offset: String(o) } });
    const kept = unseenItems([item(0, 4), item(0, 5), item(0, 6), item(1, 0)], new Map([[partitionKey('t', 0), 5n]]));
    expect(kept.map((i) => `${i.message.partition}:${i.message.offset}`)).toEqual(['0:6', '1:0']);
  });
});
