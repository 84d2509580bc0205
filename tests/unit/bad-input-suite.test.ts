// The bad-input section of RELIABILITY.md is rendered from a run's results: a failed
// test is a FAIL row and fails the part, an issue item without rows says NOT COVERED,
// and the embedded results read back as they were written.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { badInputFailed, embedBadInput, kindOf, previousBadInput, renderBadInput, type BadInputResults } from '@/scripts/bad-input-suite';

const results = (over: Partial<BadInputResults> = {}): BadInputResults => ({
  startedAt: '2026-11-28T16:00:00.000Z',
  source: 'commit abc',
  loadAverage: [1, 2, 3],
  runs: [{ project: 'int', exit: 0, seconds: 9, files: [{ file: 'boundary-http.test.ts', status: 'passed', passed: 3, failed: [] }] }],
  rows: [
    { boundary: 'HTTP: orders API POST /orders', inputClass: 'wrong content type', kind: 'wrong content type', outcome: '415 unsupported_media_type', count: 8, tally: 'http' },
    { boundary: 'Kafka message (group A)', inputClass: 'truncated JSON', outcome: 'dead letter (undecodable)', count: 12, tally: 'kafka' },
  ],
  ...over,
});

describe('bad-input section', () => {
  it('passes a clean run and lists every issue item, NOT COVERED where no row matched', () => {
    const md = renderBadInput(results(), 'npm run test:faults -- --only bad-input');
    expect(badInputFailed(results())).toBe(false);
    expect(md).toContain('Result: **PASS**. 20 bad inputs in 2 rows');
    expect(md).toMatch(/\| HTTP routes: wrong content types \| 8 \| 0 \| pass \|/);
    expect(md).toMatch(/\| Kafka: truncated JSON \| 12 \| 0 \| pass \|/);
    expect(md).toMatch(/\| Kafka: tombstones \| 0 \| 0 \| NOT COVERED in this run \|/);
  });

  it('a failed test is a FAIL row, fails the part and marks its file\'s items', () => {
    const failing = results({ runs: [{ project: 'int', exit: 1, seconds: 9, files: [{ file: 'boundary-http.test.ts', status: 'failed', passed: 2, failed: [{ title: 'refuses wrong content types', message: 'expected 500 to be less than 500' }] }] }] });
    const md = renderBadInput(failing, 'x');
    expect(badInputFailed(failing)).toBe(true);
    expect(md).toContain('Result: **FAIL** (1 failed test(s))');
    expect(md).toContain('| boundary-http.test.ts | refuses wrong content types | — | — | expected 500 to be less than 500 | **FAIL** |');
    expect(md).toMatch(/\| HTTP routes: wrong content types \| 8 \| 0 \| 1 failed test\(s\) in its file\(s\) \|/);
  });

  it('a vitest run without a report fails the part', () => {
    expect(badInputFailed(results({ runs: [{ project: 'unit', exit: 1, seconds: 1, files: null }] }))).toBe(true);
  });

  it('derives a kind from the label where the test gave none', () => {
    expect(kindOf({ boundary: 'CLI: orders-cli', inputClass: 'generated junk arguments' })).toBe('generated');
    expect(kindOf({ boundary: 'CLI: orders-cli', inputClass: 'a 100 kB cancel reason' })).toBe('oversized');
    expect(kindOf({ boundary: 'CLI: orders-cli', inputClass: 'shell in the currency' })).toBe('hostile');
    expect(kindOf({ boundary: 'CLI: orders-cli', inputClass: 'a NaN amount' })).toBe('malformed');
    expect(kindOf({ boundary: 'destructive action throttle (per user)', inputClass: '12 parallel DLQ discards' })).toBe('security check');
  });

  it('reads back the results it embedded', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'bad-input-')), 'RELIABILITY.md');
    writeFileSync(file, `# Reliability\n\n<!-- fault-results W10= -->\n${embedBadInput(results())}`);
    expect(previousBadInput(file)).toEqual(results());
  });
});
