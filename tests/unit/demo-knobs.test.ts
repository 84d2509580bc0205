import { describe, expect, it } from 'vitest';
import { DEFAULT_KNOBS, knobsSchema, knobsUpdateSchema } from '@/lib/demo/knobs';

describe('knobs schema', () => {
  it('fills every default from an empty object', () => {
    expect(knobsSchema.parse({})).toEqual({
      ratePerSecond: 2,
      poisonShare: 0.02,
      transientFailureShare: 0.05,
      permanentFailureShare: 0.01,
      slowConsumer: null,
      slowMs: 500,
      stoppedConsumer: null,
      stalledConsumer: null,
    });
    expect(knobsSchema.parse({})).toEqual(DEFAULT_KNOBS);
  });

  it('accepts the edges of every range', () => {
    const low = { ratePerSecond: 0, poisonShare: 0, transientFailureShare: 0, permanentFailureShare: 0, slowConsumer: null, slowMs: 0, stoppedConsumer: null, stalledConsumer: null };
    const high = { ratePerSecond: 200, poisonShare: 1, transientFailureShare: 0.5, permanentFailureShare: 0.5, slowConsumer: 'shipping', slowMs: 10_000, stoppedConsumer: 'order-saga', stalledConsumer: 'payments' };
    expect(knobsSchema.parse(low)).toEqual(low);
    expect(knobsSchema.parse(high)).toEqual(high);
    expect(knobsSchema.parse({ ratePerSecond: 0.5 }).ratePerSecond).toBe(0.5);
  });

  it.each([
    ['rate above 200', { ratePerSecond: 201 }],
    ['negative rate', { ratePerSecond: -1 }],
    ['share above 1', { poisonShare: 1.01 }],
    ['negative share', { transientFailureShare: -0.1 }],
    ['failure shares summing above 1', { transientFailureShare: 0.6, permanentFailureShare: 0.6 }],
    ['fractional slowMs', { slowMs: 1.5 }],
    ['slowMs above 10 s', { slowMs: 10_001 }],
    ['NaN', { ratePerSecond: Number.NaN }],
    ['Infinity', { ratePerSecond: Number.POSITIVE_INFINITY }],
    ['number as string', { ratePerSecond: '5' }],
    ['boolean', { poisonShare: true }],
    ['object', { slowMs: { valueOf: 5 } }],
    ['array', { poisonShare: [0.1] }],
    ['unknown knob', { turbo: true }],
    ['prototype key', JSON.parse('{"__proto__": {"ratePerSecond": 1}}')],
    ['SQL in a consumer name', { slowConsumer: "x'; DROP TABLE demo_knobs; --" }],
    ['upper-case consumer name', { stoppedConsumer: 'Payments' }],
    ['consumer name too long', { slowConsumer: `a${'b'.repeat(63)}` }],
    ['empty consumer name', { stoppedConsumer: '' }],
    ['path in a consumer name', { slowConsumer: '../etc' }],
  ])('rejects %s', (_name, input) => {
    expect(knobsSchema.safeParse(input).success).toBe(false);
  });

  it('rejects non-objects', () => {
    for (const input of [null, 'rate=5', 5, [], undefined]) expect(knobsSchema.safeParse(input).success).toBe(false);
  });

  it('an update is partial: only the given fields, no defaults filled in', () => {
    expect(knobsUpdateSchema.parse({ ratePerSecond: 5 })).toEqual({ ratePerSecond: 5 });
    expect(knobsUpdateSchema.parse({})).toEqual({});
    expect(knobsUpdateSchema.parse({ slowConsumer: null })).toEqual({ slowConsumer: null });
    expect(knobsUpdateSchema.safeParse({ ratePerSecond: 500 }).success).toBe(false);
    expect(knobsUpdateSchema.safeParse({ extra: 1 }).success).toBe(false);
  });
});
