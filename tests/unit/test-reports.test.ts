import { describe, expect, it } from 'vitest';
import { firstLine, playwrightFailures, vitestFailures, type PlaywrightSuite } from '@/scripts/test-reports';

describe('firstLine', () => {
  it('takes the first non-empty line without colour codes, capped at 160 characters', () => {
    expect(firstLine('\n  \u001b[31mAssertionError\u001b[39m: expected 1 to be 2\nat x.ts:3')).toBe('AssertionError: expected 1 to be 2');
    expect(firstLine('x'.repeat(500))).toHaveLength(160);
    expect(firstLine('y'.repeat(500), 200)).toHaveLength(200);
    expect(firstLine(undefined)).toBe('no message');
    expect(firstLine('\n\n')).toBe('no message');
  });
});

describe('vitestFailures', () => {
  it('names each failed test with its file and first error line, and nothing that passed or was skipped', () => {
    const files = [
      { name: '/repo/tests/int/a.test.ts', status: 'failed', assertionResults: [
        { status: 'passed', fullName: 'a works' },
        { status: 'failed', fullName: 'a › breaks', failureMessages: ['Error: timed out after 5000 ms\n    at a.test.ts:9'] },
        { status: 'skipped', fullName: 'a skipped' },
      ] },
      { name: '/repo/tests/int/b.test.ts', status: 'passed', assertionResults: [{ status: 'passed', fullName: 'b' }] },
    ];
    expect(vitestFailures(files, (f) => f.replace('/repo/', ''))).toEqual(['tests/int/a.test.ts › a › breaks: Error: timed out after 5000 ms']);
  });
});

describe('playwrightFailures', () => {
  // The shape of a real Playwright JSON report (trimmed): a file suite, describes nested in it.
  const suites: PlaywrightSuite[] = [{
    title: 'a.spec.ts',
    specs: [{ title: 'top fails', file: 'a.spec.ts', line: 3, tests: [{ status: 'unexpected', results: [{ error: { message: 'Error: boom\nsecond' } }] }] }],
    suites: [{
      title: 'outer',
      specs: [{ title: 'ok', file: 'a.spec.ts', line: 2, tests: [{ status: 'expected', results: [{}] }] }],
      suites: [{
        title: 'inner',
        specs: [
          { title: 'fails', file: 'a.spec.ts', line: 2, tests: [{ status: 'unexpected', results: [{ error: { message: 'first try' } }, { error: { message: '\u001b[2mexpect(\u001b[22mreceived).toBe(expected)' } }] }] },
          { title: 'flaky', file: 'a.spec.ts', line: 4, tests: [{ status: 'flaky', results: [{ error: { message: 'once' } }, {}] }] },
        ],
      }],
    }],
  }];

  it('names each unexpected test by file, line and describe path with its last error, not flaky or passed ones', () => {
    expect(playwrightFailures(suites)).toEqual([
      'a.spec.ts:3 › top fails: Error: boom',
      'a.spec.ts:2 › outer › inner › fails: expect(received).toBe(expected)',
    ]);
  });

  it('is empty for no report', () => {
    expect(playwrightFailures(undefined)).toEqual([]);
  });
});
