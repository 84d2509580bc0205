// The rate rules of a replay request over several consumers (lib/domain/dlq/replay-rules.ts):
// its jobs run at once, so together they stay within the cap, at start and while running.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { jobRateWithin, requestRateOf } from '@/lib/domain/dlq/replay-rules';

describe('requestRateOf', () => {
  it('defaults to min(default, cap / jobs) each', () => {
    expect(requestRateOf(undefined, 1, 2_000, 200)).toEqual({ ok: true, rate: 200 });
    expect(requestRateOf(undefined, 3, 300, 200)).toEqual({ ok: true, rate: 100 });
    expect(requestRateOf(undefined, 3, 100, 200)).toEqual({ ok: true, rate: 33 });
  });
  it('refuses a requested rate whose total is above the cap, saying the most each may use', () => {
    expect(requestRateOf(150, 3, 300, 200)).toMatchObject({ ok: false, message: expect.stringMatching(/3 × 150\/s = 450\/s; at most 100\/s each/) });
    expect(requestRateOf(301, 1, 300, 200)).toMatchObject({ ok: false, message: 'The replay rate cap is 300/s.' });
    expect(requestRateOf(100, 3, 300, 200)).toEqual({ ok: true, rate: 100 });
  });
  it('refuses when the cap cannot give each job 1/s', () => {
    expect(requestRateOf(undefined, 5, 4, 200)).toMatchObject({ ok: false });
  });
  it('never lets one request\'s jobs together exceed the cap', () => {
    fc.assert(
      fc.property(fc.option(fc.integer({ min: 1, max: 2_000 }), { nil: undefined }), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 2_000 }), (requested, jobs, cap) => {
        const plan = requestRateOf(requested, jobs, cap, 200);
        if (plan.ok) expect(plan.rate * jobs).toBeLessThanOrEqual(cap);
        if (plan.ok) expect(plan.rate).toBeGreaterThanOrEqual(1);
      }),
      { seed: 20261128, numRuns: 500 },
    );
  });
});

describe('jobRateWithin (a running job re-reading the cap)', () => {
  it('keeps a job within its share of a lowered cap, and back up to its request when raised', () => {
    expect(jobRateWithin(100, 300, 3)).toBe(100);
    expect(jobRateWithin(100, 150, 3)).toBe(50);
    expect(jobRateWithin(100, 2_000, 3)).toBe(100);
    expect(jobRateWithin(100, 2, 3)).toBe(1);
    expect(jobRateWithin(500, 300, 1)).toBe(300);
  });
});
