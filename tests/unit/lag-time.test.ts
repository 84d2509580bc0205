import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { timeLag, worstTimeLag } from '@/lib/domain/lag/time-lag';
import { drain } from '@/lib/domain/lag/drain';
import { firstUnconsumedOffset, parseCommitted, partitionLag, pendingMessages } from '@/lib/domain/lag/partition-lag';
import { formatDuration } from '@/lib/domain/lag/format';

const NOW = Date.UTC(2026, 10, 28, 9, 0, 0);
const ago = (s: number) => NOW - s * 1000;

describe('partition lag', () => {
  it('is end − committed; no commit is null, never 0; negative sentinels mean no commit', () => {
    expect(partitionLag({ topic: 't', partition: 0, logStart: 0, end: 50, committed: 20 }).lag).toBe(30);
    expect(partitionLag({ topic: 't', partition: 0, logStart: 0, end: 50, committed: null }).lag).toBeNull();
    expect([parseCommitted('-1'), parseCommitted('-2'), parseCommitted(null), parseCommitted(''), parseCommitted('17')]).toEqual([null, null, null, null, 17]);
  });

  it('flags data loss when the committed offset is below the log start', () => {
    const p = partitionLag({ topic: 't', partition: 0, logStart: 700, end: 1000, committed: 100 });
    expect([p.lag, p.dataLoss, p.lostMessages, pendingMessages(p), firstUnconsumedOffset(p)]).toEqual([900, true, 600, 300, 700]);
  });
});

describe('time lag', () => {
  it('idle topic with lag 0 is 0 s behind, however old its last message', () => {
    expect(timeLag({ now: NOW, pending: 0, offset: 500, appendedAt: { at: ago(86_400 * 400), source: 'record' } })).toEqual({ seconds: 0, source: 'caught-up', atLeast: false });
  });

  it('exact: now − append time of the first unconsumed message', () => {
    expect(timeLag({ now: NOW, pending: 3, offset: 10, appendedAt: { at: ago(42), source: 'outbox' } })).toEqual({ seconds: 42, source: 'outbox', atLeast: false });
  });

  it('never negative: a message stamped in the future (clock skew) is 0 s', () => {
    expect(timeLag({ now: NOW, pending: 1, offset: 0, appendedAt: { at: NOW + 5_000, source: 'record' } }).seconds).toBe(0);
  });

  it('reprocessing backfilled data stamped years ago is not years behind when the samples show it arrived recently', () => {
    const history = [{ at: ago(60), end: 100 }, { at: ago(30), end: 100 }, { at: ago(20), end: 5_100 }];
    const lag = timeLag({ now: NOW, pending: 5_000, offset: 100, appendedAt: { at: ago(3 * 365 * 86_400), source: 'record' }, history });
    expect(lag).toEqual({ seconds: 30, source: 'record', atLeast: false });
  });

  it('a rewind to data that really is old reports its real age', () => {
    const history = [{ at: ago(60), end: 9_000 }, { at: ago(30), end: 9_010 }];
    expect(timeLag({ now: NOW, pending: 9_010, offset: 0, appendedAt: { at: ago(30 * 86_400), source: 'record' }, history }).seconds).toBe(30 * 86_400);
  });

  it('estimate: interpolates between the samples around the offset, labelled', () => {
    const history = [{ at: ago(100), end: 0 }, { at: ago(90), end: 100 }, { at: ago(80), end: 200 }];
    // offset 49: appended when the end passed 50, halfway between 100 s and 90 s ago
    expect(timeLag({ now: NOW, pending: 151, offset: 49, history })).toEqual({ seconds: 95, source: 'estimate', atLeast: false });
  });

  it('estimate after an idle period: the burst is seconds old, not hours (kafka-lag-exporter jump)', () => {
    const history = [{ at: ago(7200), end: 1000 }, { at: ago(3600), end: 1000 }, { at: ago(20), end: 1000 }, { at: ago(10), end: 6000 }];
    const lag = timeLag({ now: NOW, pending: 5000, offset: 1000, history });
    expect(lag.seconds).toBeCloseTo(19.998, 2);
  });

  it('estimate older than every sample is a lower bound', () => {
    expect(timeLag({ now: NOW, pending: 10, offset: 5, history: [{ at: ago(50), end: 100 }] })).toEqual({ seconds: 50, source: 'estimate', atLeast: true });
    expect(timeLag({ now: NOW, pending: 10, offset: 5 })).toEqual({ seconds: null, source: 'unknown', atLeast: false });
  });

  it('property: never negative, never NaN', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e6 }),
        fc.integer({ min: 0, max: 1e6 }),
        fc.option(fc.integer({ min: -1e9, max: 1e9 })),
        fc.array(fc.record({ at: fc.integer({ min: -1e9, max: 1e9 }), end: fc.integer({ min: 0, max: 2e6 }) }), { maxLength: 20 }),
        (pending, offset, appended, history) => {
          const l = timeLag({ now: NOW, pending, offset, history: history.map((h) => ({ at: NOW + h.at, end: h.end })), appendedAt: appended === null ? null : { at: NOW + appended, source: 'record' } });
          return l.seconds === null || (Number.isFinite(l.seconds) && l.seconds >= 0);
        },
      ),
    );
  });

  it('the group figure is its worst partition', () => {
    const w = worstTimeLag([{ seconds: 3, source: 'outbox', atLeast: false }, { seconds: 0, source: 'caught-up', atLeast: false }, { seconds: 9, source: 'estimate', atLeast: false }]);
    expect(w.seconds).toBe(9);
    expect(w.source).toBe('estimate');
  });
});

describe('drain ETA', () => {
  const p = (end: number, committed: number | null) => [partitionLag({ topic: 't', partition: 0, logStart: 0, end, committed })];
  it('from consume rate minus produce rate over the window', () => {
    const d = drain({ at: ago(100), partitions: p(1000, 0) }, { at: NOW, partitions: p(1500, 1000) });
    expect(d).toEqual({ consumeRate: 10, produceRate: 5, etaSeconds: 100, state: 'draining' });
  });
  it('not draining when it falls behind; caught up when nothing is pending; unknown without history', () => {
    expect(drain({ at: ago(100), partitions: p(1000, 0) }, { at: NOW, partitions: p(3000, 500) }).state).toBe('not-draining');
    expect(drain({ at: ago(100), partitions: p(1000, 0) }, { at: NOW, partitions: p(1000, 1000) })).toEqual({ consumeRate: null, produceRate: null, etaSeconds: 0, state: 'caught-up' });
    expect(drain(undefined, { at: NOW, partitions: p(10, 0) }).state).toBe('unknown');
  });
  it('a rewind does not count as negative consumption', () => {
    expect(drain({ at: ago(10), partitions: p(100, 100) }, { at: NOW, partitions: p(100, 0) }).consumeRate).toBe(0);
  });
});

describe('durations in evidence', () => {
  it('reads well', () => {
    expect([formatDuration(45_000), formatDuration(12 * 60_000), formatDuration(90 * 60_000), formatDuration(3 * 86_400_000)]).toEqual(['45 s', '12 min', '1.5 h', '3 d']);
  });
});
