import { describe, expect, it } from 'vitest';
import { formatAge, formatUtc } from '@/lib/domain/time';

describe('time formatting', () => {
  const now = new Date('2026-11-27T05:00:00.000Z');
  it('prints UTC with a Z', () => {
    expect(formatUtc(new Date('2026-11-27T04:58:01.123Z'))).toBe('2026-11-27 04:58:01Z');
  });
  it.each([
    [5, '5s ago'],
    [125, '2m ago'],
    [7200, '2h ago'],
    [200_000, '2d ago'],
    [-30, 'in 30s'],
  ])('age of %i seconds is %s', (seconds, text) => {
    expect(formatAge(new Date(now.getTime() - seconds * 1000), now)).toBe(text);
  });
});
