// The console's words for times, durations, rates, ETAs and the URL encoding of view
// state (lib/domain/format): every screen uses these, so a change shows up here first.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ageSeconds,
  formatCount,
  formatDurationSeconds,
  formatEta,
  formatPercent,
  formatRatePerSecond,
  formatRelativeAge,
  formatUtcTimestamp,
  formatUtcWithAge,
} from '@/lib/domain/format/time';
import { encodeSort, nextSort, parseList, parseSort, withParams } from '@/lib/domain/format/url-params';

const now = new Date('2026-11-28T09:34:07.400Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000);

describe('times', () => {
  it('writes UTC with seconds and the UTC suffix, whatever the local zone', () => {
    expect(formatUtcTimestamp(new Date('2026-11-28T09:31:07.999Z'))).toBe('2026-11-28 09:31:07 UTC');
  });

  it('writes the relative age in its two largest units', () => {
    expect(formatRelativeAge(ago(0.4), now)).toBe('just now');
    expect(formatRelativeAge(ago(12), now)).toBe('12 s ago');
    expect(formatRelativeAge(ago(180), now)).toBe('3 min ago');
    expect(formatRelativeAge(ago(200), now)).toBe('3 min 20 s ago');
    expect(formatRelativeAge(ago(2 * 3600 + 5 * 60 + 9), now)).toBe('2 h 5 min ago');
    expect(formatRelativeAge(ago(3 * 86_400 + 4 * 3600 + 59), now)).toBe('3 d 4 h ago');
    expect(formatRelativeAge(ago(-40), now)).toBe('in 40 s');
    expect(formatUtcWithAge(ago(180), now)).toBe('2026-11-28 09:31:07 UTC · 3 min ago');
  });

  it('skips zero parts and never shows more than two units', () => {
    expect(formatDurationSeconds(0)).toBe('0 s');
    expect(formatDurationSeconds(59.6)).toBe('1 min');
    expect(formatDurationSeconds(3600)).toBe('1 h');
    expect(formatDurationSeconds(3601)).toBe('1 h');
    expect(formatDurationSeconds(86_400 + 60)).toBe('1 d');
    expect(formatDurationSeconds(Number.NaN)).toBe('—');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 9 }), (s) => {
        const words = formatDurationSeconds(s).split(' ');
        expect(words.length === 2 || words.length === 4).toBe(true);
        // Each shown part is below its unit's size (no "60 s", "24 h").
        const limits: Record<string, number> = { s: 60, min: 60, h: 24, d: Infinity };
        for (let i = 0; i < words.length; i += 2) expect(Number(words[i])).toBeLessThan(limits[words[i + 1]!]!);
      }),
    );
  });

  it('counts the age in whole seconds, never negative', () => {
    expect(ageSeconds(ago(12.7), now)).toBe(12);
    expect(ageSeconds(ago(-5), now)).toBe(0);
  });
});

describe('progress words', () => {
  it('writes rates, ETAs, counts and percentages', () => {
    expect(formatRatePerSecond(null)).toBe('—');
    expect(formatRatePerSecond(0)).toBe('0/s');
    expect(formatRatePerSecond(3.54)).toBe('3.5/s');
    expect(formatRatePerSecond(1234.4)).toBe('1,234/s');
    expect(formatEta(null)).toBe('—');
    expect(formatEta(0.2)).toBe('less than 1 s left');
    expect(formatEta(200)).toBe('about 3 min 20 s left');
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatPercent(5, null)).toBeNull();
    expect(formatPercent(0, 0)).toBe('100 %');
    expect(formatPercent(996, 1000)).toBe('99 %');
    expect(formatPercent(1000, 1000)).toBe('100 %');
  });
});

describe('URL state', () => {
  it('parses and encodes the sort, refusing junk', () => {
    expect(parseSort('-createdAt')).toEqual({ id: 'createdAt', desc: true });
    expect(parseSort('kind')).toEqual({ id: 'kind', desc: false });
    expect(parseSort('')).toBeNull();
    expect(parseSort('-')).toBeNull();
    expect(parseSort('a b')).toBeNull();
    expect(parseSort('--x')).toBeNull();
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.]{0,20}$/), fc.boolean(), (id, desc) => {
        expect(parseSort(encodeSort({ id, desc }))).toEqual({ id, desc });
      }),
    );
  });

  it('cycles a column asc → desc → none, and starts another column fresh', () => {
    expect(nextSort(null, 'age')).toEqual({ id: 'age', desc: false });
    expect(nextSort({ id: 'age', desc: false }, 'age')).toEqual({ id: 'age', desc: true });
    expect(nextSort({ id: 'age', desc: true }, 'age')).toBeNull();
    expect(nextSort({ id: 'age', desc: true }, 'kind')).toEqual({ id: 'kind', desc: false });
    expect(nextSort(null, 'lag', true)).toEqual({ id: 'lag', desc: true });
    expect(nextSort({ id: 'lag', desc: true }, 'lag', true)).toEqual({ id: 'lag', desc: false });
    expect(nextSort({ id: 'lag', desc: false }, 'lag', true)).toBeNull();
  });

  it('applies changes to the query string, removing empty values and reset keys, in a stable order', () => {
    expect(withParams('?kind=demo.count&after=abc', { state: ['queued', 'running'] }, ['after'])).toBe('?kind=demo.count&state=queued%2Crunning');
    expect(withParams('kind=a', { kind: null })).toBe('');
    expect(withParams('b=2&a=1', {})).toBe('?a=1&b=2');
    expect(withParams(new URLSearchParams('a=1'), { a: '', b: 3, c: [] })).toBe('?b=3');
    expect(parseList(' queued, ,running ')).toEqual(['queued', 'running']);
    expect(parseList(null)).toEqual([]);
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ minLength: 1, maxLength: 12 })), (changes) => {
        const back = new URLSearchParams(withParams('', changes));
        for (const [key, value] of Object.entries(changes)) expect(back.get(key)).toBe(value);
      }),
    );
  });
});
