import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addRateSample, etaSeconds, parseRateSamples, rateOf, RATE_WINDOW_MS, type RateSample } from '@/lib/jobs/job-rate';

describe('job rate and ETA', () => {
  it('rate is done per second between the oldest and newest sample in the window', () => {
    const samples: RateSample[] = [
      { at: 0, done: 0 },
      { at: 10_000, done: 500 },
      { at: 20_000, done: 1_000 },
    ];
    expect(rateOf(samples)).toBe(50);
  });

  it('ignores samples older than the window, so a stall shows as a falling rate', () => {
    let samples: RateSample[] = [];
    for (let t = 0; t <= 60_000; t += 1_000) samples = addRateSample(samples, { at: t, done: t < 30_000 ? t / 10 : 3_000 });
    expect(samples[0]!.at).toBeGreaterThanOrEqual(60_000 - RATE_WINDOW_MS);
    expect(rateOf(samples)).toBe(0);
  });

  it('keeps at most one sample per second after the first, and a bounded number', () => {
    let samples: RateSample[] = [];
    for (let t = 0; t < 5_000; t += 100) samples = addRateSample(samples, { at: t, done: t });
    expect(samples.length).toBeLessThanOrEqual(7);
    expect(samples[0]).toEqual({ at: 0, done: 0 });
    expect(samples[samples.length - 1]).toEqual({ at: 4_900, done: 4_900 });
    expect(rateOf(samples)).toBeCloseTo(1_000, 6);
  });

  it('has no rate without a span', () => {
    expect(rateOf([])).toBeNull();
    expect(rateOf([{ at: 5, done: 5 }])).toBeNull();
    expect(rateOf([{ at: 0, done: 0 }, { at: 100, done: 10 }])).toBeNull();
  });

  it('ETA = (total − done) / rate, unknown without a total or a rate, 0 when done', () => {
    expect(etaSeconds(400, 1_000, 50)).toBe(12);
    expect(etaSeconds(1_000, 1_000, 0)).toBe(0);
    expect(etaSeconds(1_200, 1_000, 10)).toBe(0);
    expect(etaSeconds(10, null, 50)).toBeNull();
    expect(etaSeconds(10, 100, null)).toBeNull();
    expect(etaSeconds(10, 100, 0)).toBeNull();
  });

  it('for any steady run, the rate is the step rate and the ETA the time left', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000 }), fc.integer({ min: 2, max: 60 }), fc.integer({ min: 1, max: 100_000 }), (perSecond, seconds, extra) => {
        let samples: RateSample[] = [];
        for (let s = 0; s <= seconds; s++) samples = addRateSample(samples, { at: s * 1_000, done: s * perSecond });
        const rate = rateOf(samples)!;
        expect(rate).toBeCloseTo(perSecond, 6);
        const done = seconds * perSecond;
        expect(etaSeconds(done, done + extra, rate)).toBeCloseTo(extra / perSecond, 6);
      }),
    );
  });

  it('drops malformed stored samples', () => {
    expect(parseRateSamples([{ at: 1, done: 2 }, { at: 'x', done: 1 }, null, 3])).toEqual([{ at: 1, done: 2 }]);
    expect(parseRateSamples('nope')).toEqual([]);
  });
});
