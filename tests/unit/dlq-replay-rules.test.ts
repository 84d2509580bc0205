import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createTokenBucket, replayRateOf } from '@/lib/domain/dlq/token-bucket';
import { csvLine, neutraliseCell, toCsv } from '@/lib/domain/dlq/csv';
import { lineageHeaders, replayGateOf, replayHeadersOf } from '@/lib/domain/dlq/replay-rules';

/** Simulates a sender that sends `batch` at a time, waiting as the bucket says; returns the achieved rate. */
function simulate(rate: number, batch: number, total: number): number {
  const bucket = createTokenBucket({ ratePerSecond: rate, startMs: 0 });
  let now = 0;
  for (let sent = 0; sent < total; sent += batch) {
    now += bucket.reserve(Math.min(batch, total - sent), now);
    now += 1; // the send itself takes a millisecond
  }
  return (total * 1000) / now;
}

describe('replay token bucket', () => {
  it('holds the rate within ±5 % for the default, the cap and odd batch sizes', () => {
    for (const [rate, batch] of [[200, 50], [2_000, 100], [1_000, 7], [37, 1]] as const) {
      const achieved = simulate(rate, batch, rate * 30);
      expect(Math.abs(achieved - rate) / rate, `${rate}/s in batches of ${batch}: ${achieved.toFixed(1)}/s`).toBeLessThan(0.05);
    }
  });

  it('property: never faster than the rate plus the burst', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2_000 }), fc.integer({ min: 1, max: 500 }), (rate, batch) => {
        const total = rate * 5;
        const bucket = createTokenBucket({ ratePerSecond: rate, startMs: 0 });
        let now = 0;
        for (let sent = 0; sent < total; sent += batch) now += bucket.reserve(Math.min(batch, total - sent), now);
        const burst = Math.max(1, Math.ceil(rate / 20));
        // Sending `total` took at least the time (total - burst) tokens need (1 ms rounding per batch allowed).
        return now + Math.ceil(total / batch) >= ((total - burst - batch) * 1000) / rate;
      }),
    );
  });

  it('defaults to 200/s and never exceeds the cap or 2,000/s', () => {
    expect(replayRateOf(undefined, 2_000)).toBe(200);
    expect(replayRateOf(5_000, 2_000)).toBe(2_000);
    expect(replayRateOf(5_000, 50_000)).toBe(2_000);
    expect(replayRateOf(900, 500)).toBe(500);
  });
});

describe('CSV export', () => {
  it('neutralises cells a spreadsheet would run as formulas', () => {
    for (const bad of ['=1+1', '+SUM(A1)', '-2+3', '@cmd', '\tx', '\rx']) expect(neutraliseCell(bad)).toBe(`'${bad}`);
    expect(neutraliseCell('safe = text')).toBe('safe = text');
    expect(neutraliseCell(null)).toBe('');
    expect(neutraliseCell(new Date('2026-01-01T00:00:00Z'))).toBe('2026-01-01T00:00:00.000Z');
  });

  it('quotes every cell and doubles quotes', () => {
    expect(csvLine(['a"b', '=x', 3])).toBe('"a""b","\'=x","3"\r\n');
    expect(toCsv(['h'], [['1'], ['2']])).toBe('"h"\r\n"1"\r\n"2"\r\n');
  });
});

describe('replay rules', () => {
  it('gates by size', () => {
    const limits = { confirmOver: 100, approvalOver: 10_000 };
    expect([1, 100, 101, 10_000, 10_001].map((n) => replayGateOf(n, limits))).toEqual(['none', 'none', 'typed', 'typed', 'approval']);
  });

  it('keeps stored headers (traceparent too), replaces an earlier lineage, adds this one', () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const headers = replayHeadersOf(
      [{ key: 'traceparent', valueBase64: b64('00-abc-def-01') }, { key: lineageHeaders.job, valueBase64: b64('old-job') }],
      { dlqId: 'd1', jobId: 'j2', topic: 'orders.v1', partition: 2, offset: '41' },
    );
    expect(headers.traceparent!.map(String)).toEqual(['00-abc-def-01']);
    expect(headers[lineageHeaders.job]!.map(String)).toEqual(['j2']);
    expect(headers[lineageHeaders.offset]!.map(String)).toEqual(['41']);
    expect(headers[lineageHeaders.partition]!.map(String)).toEqual(['2']);
  });
});
