import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { baseStamp, baseTableName, carryChecksums, differingBuckets, judgeBase, type BucketChecksums, type StoredBase } from '@/lib/domain/drift/base';

const cut = (...offsets: Array<[number, string]>) => offsets.map(([partition, offset]) => ({ topic: 'orders', partition, offset }));
const stored = (over: Partial<StoredBase> = {}): StoredBase => ({ tableName: 't_v1', stamp: 's1', buckets: 64, cut: cut([0, '10'], [1, '5']), checksums: {}, ...over });
const wanted = { tableName: 't_v1', stamp: 's1', buckets: 64 };

describe('drift base: when a stored base can be built on', () => {
  it('folds only the partitions that moved, from the base offset (exclusive) to the new one; new partitions from the start', () => {
    const verdict = judgeBase(stored(), wanted, cut([0, '10'], [1, '9'], [2, '3']));
    expect(verdict).toEqual({ usable: true, delta: [
      { topic: 'orders', partition: 1, after: '5', upTo: '9' },
      { topic: 'orders', partition: 2, after: null, upTo: '3' },
    ] });
    expect(judgeBase(stored(), wanted, cut([0, '10'], [1, '5']))).toEqual({ usable: true, delta: [] });
  });
  it('compares offsets as integers, not text', () => {
    expect(judgeBase(stored({ cut: cut([0, '9']) }), wanted, cut([0, '10']))).toMatchObject({ usable: true, delta: [{ after: '9', upTo: '10' }] });
    expect(judgeBase(stored({ cut: cut([0, '10']) }), wanted, cut([0, '9']))).toMatchObject({ usable: false, reason: expect.stringMatching(/went back/) });
  });
  it('is not usable without a base, for another table, stamp or bucket count, a partition gone, or a garbled offset', () => {
    expect(judgeBase(null, wanted, cut([0, '1']))).toEqual({ usable: false, reason: 'no base yet' });
    expect(judgeBase(stored({ tableName: 't_v2' }), wanted, cut([0, '10'], [1, '5']))).toMatchObject({ usable: false });
    expect(judgeBase(stored({ stamp: 'old' }), wanted, cut([0, '10'], [1, '5']))).toMatchObject({ usable: false, reason: expect.stringMatching(/code or columns changed/) });
    expect(judgeBase(stored({ buckets: 128 }), wanted, cut([0, '10'], [1, '5']))).toMatchObject({ usable: false, reason: expect.stringMatching(/128 buckets/) });
    expect(judgeBase(stored(), wanted, cut([0, '10']))).toMatchObject({ usable: false, reason: expect.stringMatching(/orders\/1 .* not in the checkpoints/) });
    expect(judgeBase(stored({ cut: cut([0, '1e3']) }), wanted, cut([0, '10']))).toMatchObject({ usable: false, reason: expect.stringMatching(/invalid offset/) });
  });
});

describe('drift base: carried checksums', () => {
  const hash = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
  it('stored − before + after equals the checksums of the table after replacing rows (XOR per bucket)', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 7 }), hash), { maxLength: 30 }),
      fc.array(fc.boolean(), { maxLength: 30 }),
      fc.array(fc.tuple(fc.integer({ min: 0, max: 7 }), hash), { maxLength: 10 }),
      (rows, replaced, added) => {
        const sums = (rs: Array<[number, bigint]>): BucketChecksums => {
          const out: BucketChecksums = {};
          for (const [b, h] of rs) out[b] = { n: (out[b]?.n ?? 0) + 1, h: BigInt.asIntN(64, BigInt(out[b]?.h ?? '0') ^ h).toString() };
          return out;
        };
        const touched = rows.filter((_, i) => replaced[i]);
        const kept = rows.filter((_, i) => !replaced[i]);
        const carried = carryChecksums(sums(rows), sums(touched), sums(added));
        expect(differingBuckets(carried, sums([...kept, ...added]))).toEqual([]);
      },
    ));
  });
  it('an edited or missing row shows in its bucket', () => {
    const a: BucketChecksums = { 1: { n: 2, h: '5' }, 2: { n: 1, h: '-3' } };
    expect(differingBuckets(a, { 1: { n: 2, h: '5' }, 2: { n: 1, h: '-3' } })).toEqual([]);
    expect(differingBuckets(a, { 1: { n: 2, h: '4' }, 2: { n: 1, h: '-3' } })).toEqual(['1']);
    expect(differingBuckets(a, { 1: { n: 2, h: '5' } })).toEqual(['2']);
    expect(differingBuckets({}, { 3: { n: 0, h: '0' } })).toEqual([]);
  });
  it('refuses a carried count below zero (the before side had rows the base never counted)', () => {
    expect(() => carryChecksums({}, { 1: { n: 1, h: '1' } }, {})).toThrow(/negative/);
  });
});

describe('drift base: identity and table', () => {
  const parts = {
    projection: 'p', evolveSource: 'function evolve(r, e) { return r; }', keyOfSource: '(e) => e.k', handles: ['a', 'b'], topics: ['t'],
    keyColumn: 'k', compareColumns: ['x', 'y'], columns: ['k', 'x', 'y'],
  };
  it('changes with the evolve, the code version, the compared or declared columns; not with the order of handles', () => {
    const s = baseStamp(parts);
    expect(baseStamp({ ...parts, handles: ['b', 'a'] })).toBe(s);
    for (const other of [{ evolveSource: 'function evolve(r, e) { return e; }' }, { codeVersion: '2' }, { compareColumns: ['y', 'x'] }, { columns: ['k', 'x'] }, { keyColumn: 'x' }, { projection: 'q' }]) {
      expect(baseStamp({ ...parts, ...other }), JSON.stringify(other)).not.toBe(s);
    }
  });
  it('names the rows table after the version table, within 63 characters', () => {
    expect(baseTableName('customer_stats_v1')).toBe('customer_stats_v1__drift_base');
    const long = baseTableName('x'.repeat(60));
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).not.toBe(baseTableName('x'.repeat(59) + 'y'));
  });
});
