// microBatch: single calls within a window become one call; each caller gets its own result or the batch's failure.
import { describe, expect, it } from 'vitest';
import { microBatch } from '@/lib/domain/micro-batch';

describe('microBatch', () => {
  it('flushes at maxBatch at once, and the rest after the linger, in order, each caller getting its own result', async () => {
    const calls: number[][] = [];
    const double = microBatch(async (xs: number[]) => (calls.push(xs), xs.map((x) => x * 2)), { maxBatch: 3, lingerMs: 20 });
    const results = await Promise.all([1, 2, 3, 4, 5].map((x) => double(x)));
    expect(results).toEqual([2, 4, 6, 8, 10]);
    expect(calls).toEqual([[1, 2, 3], [4, 5]]);
  });

  it('fails every caller of a failed batch, and the next batch is unaffected', async () => {
    let n = 0;
    const call = microBatch(async (xs: string[]) => {
      if (n++ === 0) throw new Error('database unavailable');
      return xs.map((x) => x.toUpperCase());
    }, { maxBatch: 10, lingerMs: 5 });
    const first = await Promise.allSettled([call('a'), call('b')]);
    expect(first.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await call('c')).toBe('C');
  });

  it('refuses a batch call that answers with the wrong number of results', async () => {
    const call = microBatch(async () => [1], { maxBatch: 2, lingerMs: 5 });
    await expect(Promise.all([call(1), call(2)])).rejects.toThrow(/1 results for 2 items/);
  });
});
