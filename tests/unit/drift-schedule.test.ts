// Which projection a scheduled drift check starts next (lib/domain/drift/schedule.ts).
import { describe, expect, it } from 'vitest';
import { nextScheduledDriftCheck, scheduledDriftKey } from '@/lib/domain/drift/schedule';

const now = new Date('2026-11-28T12:00:00Z');
const ago = (min: number) => new Date(now.getTime() - min * 60_000);
const every = 10 * 60_000;

describe('nextScheduledDriftCheck', () => {
  it('starts the projection checked longest ago among those due, never-checked first', () => {
    const projections = [
      { projection: 'b', lastCheckAt: ago(30), activeJobKind: null },
      { projection: 'a', lastCheckAt: ago(12), activeJobKind: null },
      { projection: 'c', lastCheckAt: null, activeJobKind: null },
    ];
    expect(nextScheduledDriftCheck({ projections, scheduledActive: false, everyMs: every, now })).toEqual({ start: 'c', reason: 'never checked' });
    expect(nextScheduledDriftCheck({ projections: projections.slice(0, 2), scheduledActive: false, everyMs: every, now })).toEqual({ start: 'b', reason: 'due' });
  });

  it('is due exactly one period after the last check, not before', () => {
    const at = (min: number) => nextScheduledDriftCheck({ projections: [{ projection: 'a', lastCheckAt: ago(min), activeJobKind: null }], scheduledActive: false, everyMs: every, now });
    expect(at(9.99).start).toBeNull();
    expect(at(10).start).toBe('a');
  });

  it('starts nothing while a scheduled check is active (one at a time), and skips busy projections', () => {
    const projections = [
      { projection: 'a', lastCheckAt: null, activeJobKind: 'projection.rebuild' },
      { projection: 'b', lastCheckAt: ago(60), activeJobKind: null },
    ];
    expect(nextScheduledDriftCheck({ projections, scheduledActive: true, everyMs: every, now })).toEqual({ start: null, reason: 'scheduled check running', skipped: [] });
    expect(nextScheduledDriftCheck({ projections, scheduledActive: false, everyMs: every, now })).toEqual({ start: 'b', reason: 'due' });
    expect(nextScheduledDriftCheck({ projections: projections.slice(0, 1), scheduledActive: false, everyMs: every, now })).toEqual({ start: null, reason: 'nothing due', skipped: ['a'] });
  });

  it('is off with a zero period', () => {
    expect(nextScheduledDriftCheck({ projections: [{ projection: 'a', lastCheckAt: null, activeJobKind: null }], scheduledActive: false, everyMs: 0, now }).reason).toBe('disabled');
  });

  it('keys a check by projection and schedule slot', () => {
    expect(scheduledDriftKey('a', every, now)).toBe(scheduledDriftKey('a', every, new Date(now.getTime() + 1)));
    expect(scheduledDriftKey('a', every, now)).not.toBe(scheduledDriftKey('a', every, new Date(now.getTime() + every)));
    expect(scheduledDriftKey('a', every, now)).not.toBe(scheduledDriftKey('b', every, now));
  });
});
