// The bad-input part of the reliability suite (issue #12, items 2 and 4): runs the
// boundary tests (tests/unit/boundary-*.test.ts, tests/int/boundary-*.test.ts; the int
// ones need PostgreSQL and Kafka) with vitest's JSON reporter, collects the tallies each
// test file writes to .data/bad-input/<name>.json (boundary, input class, outcome, count,
// each case counted only after its assertions passed) and renders, from that run alone,
// the "Bad inputs × outcome" section of RELIABILITY.md: boundary × input class × kind
// (malformed, wrong types, oversized, hostile, unknown fields, wrong content type,
// generated) × outcome × pass/fail, the failed tests, and coverage of issue #12's list.
// Used by scripts/test-faults.ts (`npm run test:faults -- --only bad-input`) and by
// scripts/bad-input-report.ts.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';

export type BadInputProject = 'unit' | 'int';
export const BAD_INPUT_PROJECTS: readonly BadInputProject[] = ['unit', 'int'];

export interface BadInputRow {
  boundary: string;
  inputClass: string;
  /** Set by the newer tests; derived from the labels for the others (kindOf). */
  kind?: string;
  outcome: string;
  count: number;
  /** The tally file (.data/bad-input/<tally>.json), written by tests/<project>/boundary-<tally>.test.ts. */
  tally: string;
}

export interface BadInputFileResult {
  file: string;
  status: string;
  passed: number;
  failed: Array<{ title: string; message: string }>;
}

export interface BadInputTestRun {
  project: BadInputProject;
  exit: number | null;
  seconds: number;
  /** Null when vitest wrote no report (it crashed or could not start). */
  files: BadInputFileResult[] | null;
}

export interface BadInputResults {
  startedAt: string;
  source: string;
  loadAverage: number[];
  runs: BadInputTestRun[];
  rows: BadInputRow[];
}

interface VitestJson {
  testResults: Array<{ name: string; status: string; assertionResults: Array<{ status: string; title: string; failureMessages?: string[] }> }>;
}

const firstLine = (s: string) => s.split('\n').find((l) => l.trim())?.trim().slice(0, 200) ?? '';

function readVitestReport(file: string): BadInputFileResult[] | null {
  if (!existsSync(file)) return null;
  const report = JSON.parse(readFileSync(file, 'utf8')) as VitestJson;
  return report.testResults.map((t) => ({
    file: path.basename(t.name),
    status: t.status,
    passed: t.assertionResults.filter((a) => a.status === 'passed').length,
    failed: t.assertionResults.filter((a) => a.status === 'failed').map((a) => ({ title: a.title, message: firstLine((a.failureMessages ?? []).join('\n')) })),
  }));
}

/** Runs the boundary tests of `projects` (one vitest process each) and collects their tallies. */
export function runBadInputSuite(options: { root: string; source: string; projects?: readonly BadInputProject[]; log?: (line: string) => void }): BadInputResults {
  const dir = path.join(options.root, '.data', 'bad-input');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const startedAt = new Date().toISOString();
  const runs: BadInputTestRun[] = [];
  for (const project of options.projects ?? BAD_INPUT_PROJECTS) {
    const outputFile = path.join(dir, `vitest-${project}.result`);
    const started = Date.now();
    options.log?.(`bad input: vitest --project ${project} tests/${project}/boundary-*`);
    const r = spawnSync(process.execPath, [path.join(options.root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--project', project, `tests/${project}/boundary-`, '--reporter=json', `--outputFile=${outputFile}`], {
      cwd: options.root,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: process.env,
    });
    runs.push({ project, exit: r.status, seconds: Math.round((Date.now() - started) / 1000), files: readVitestReport(outputFile) });
  }
  return { startedAt, source: options.source, loadAverage: loadavg().map((n) => Math.round(n * 100) / 100), runs, rows: readTallies(dir) };
}

export function readTallies(dir: string): BadInputRow[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((f) => (JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Omit<BadInputRow, 'tally'>[]).map((r) => ({ ...r, tally: f.replace(/\.json$/, '') })));
}

export function badInputFailed(results: BadInputResults): boolean {
  return results.runs.some((r) => !r.files || (r.exit !== null && r.exit !== 0) || r.files.some((f) => f.failed.length > 0 || f.status !== 'passed'));
}

/** The kind of input a row counts, from the test's own label where it did not say. */
export function kindOf(row: Pick<BadInputRow, 'boundary' | 'inputClass' | 'kind'>): string {
  if (row.kind) return row.kind;
  if (/throttle|token scope|cookie/i.test(row.boundary)) return 'security check';
  const label = row.inputClass;
  if (/generated|fast-check|random bytes|arbitrary JSON|mutated envelope|data off its schema|garbage/i.test(label)) return 'generated';
  if (/huge|giant|over the|\d+ kB|MiB|KiB|400 digits|1e9|1e999|infinite|limit/i.test(label)) return 'oversized';
  if (/SQL|shell|metachar|script|HTML|path|NUL|control character|unstorable|junk id/i.test(label)) return 'hostile';
  return 'malformed';
}

/** Issue #12's list of bad inputs, and how a row is recognised as one of them. */
const ISSUE_LIST: Array<{ item: string; match: (r: BadInputRow) => boolean }> = [
  { item: 'HTTP routes: wrong types', match: (r) => /^HTTP/.test(r.boundary) && /wrong types|missing field/i.test(r.inputClass) },
  { item: 'HTTP routes: huge strings', match: (r) => /^HTTP/.test(r.boundary) && /huge|over the .*limit|MiB/i.test(r.inputClass) },
  { item: 'HTTP routes: SQL and HTML metacharacters', match: (r) => /^HTTP/.test(r.boundary) && /SQL|HTML/.test(r.inputClass) },
  { item: 'HTTP routes: unknown fields', match: (r) => /^HTTP/.test(r.boundary) && /unknown fields/i.test(r.inputClass) },
  { item: 'HTTP routes: wrong content types', match: (r) => /^HTTP/.test(r.boundary) && /content type/i.test(r.inputClass) },
  { item: 'HTTP routes: generated bodies and query strings', match: (r) => /^HTTP/.test(r.boundary) && kindOf(r) === 'generated' },
  { item: 'Kafka: random bytes', match: (r) => /^Kafka/.test(r.boundary) && /random bytes|generated bytes/i.test(r.inputClass) },
  { item: 'Kafka: truncated JSON', match: (r) => /^Kafka/.test(r.boundary) && /truncated/i.test(r.inputClass) },
  { item: 'Kafka: giant payloads', match: (r) => /^Kafka/.test(r.boundary) && /giant/i.test(r.inputClass) },
  { item: 'Kafka: wrong or missing headers', match: (r) => /^Kafka/.test(r.boundary) && /header/i.test(r.inputClass) },
  { item: 'Kafka: tombstones', match: (r) => /^Kafka/.test(r.boundary) && /tombstone/i.test(r.inputClass) },
  { item: 'CLI arguments', match: (r) => /^CLI/.test(r.boundary) },
  { item: 'configuration', match: (r) => /^configuration/i.test(r.boundary) },
  { item: 'uploaded or edited payloads', match: (r) => /edit/i.test(r.boundary) },
];

const cell = (s: string | number) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');

function failuresByTally(results: BadInputResults): Map<string, number> {
  const m = new Map<string, number>();
  for (const run of results.runs) {
    for (const f of run.files ?? []) m.set(f.file.replace(/^boundary-|\.test\.ts$/g, ''), f.failed.length + (m.get(f.file.replace(/^boundary-|\.test\.ts$/g, '')) ?? 0));
  }
  return m;
}

/** The "Bad inputs × outcome" section of RELIABILITY.md (without its heading). */
export function renderBadInput(results: BadInputResults | null, command: string): string {
  if (!results) return `Not run for this file yet: \`${command}\` runs it.\n`;
  const failedTests = results.runs.flatMap((run) => (run.files ?? []).flatMap((f) => f.failed.map((t) => ({ file: f.file, ...t }))));
  const failures = failuresByTally(results);
  const badInput = results.rows.filter((r) => kindOf(r) !== 'security check');
  const security = results.rows.filter((r) => kindOf(r) === 'security check');
  const total = (rows: readonly BadInputRow[]) => rows.reduce((n, r) => n + r.count, 0);
  const generated = total(badInput.filter((r) => kindOf(r) === 'generated'));
  const verdict = badInputFailed(results) ? `**FAIL** (${failedTests.length} failed test(s)${results.runs.some((r) => !r.files) ? ', a vitest run wrote no report' : ''})` : '**PASS**';
  const lines: string[] = [];
  lines.push(
    `Produced by \`${command}\` on ${results.startedAt.slice(0, 16).replace('T', ' ')} UTC (${results.source}; load average at the end ${results.loadAverage.join(' ')}): ` +
      `the boundary tests (tests/unit/boundary-*.test.ts, tests/int/boundary-*.test.ts) against real PostgreSQL and Kafka, with vitest's JSON reporter. ` +
      `Each input below was counted by its test only after that case's assertions passed: the HTTP answer a 4xx with an error code (a 2xx only where the input is valid, e.g. generated or free text), ` +
      `never a 5xx and never a stack trace; a CLI exit code 1/64/78 with a message on stderr, no stack, database unchanged; a Kafka message a dead letter with its reason, applied or a documented skip, ` +
      `per consumer group, none lost (counts checked against plain SQL); a configuration error naming the variable; a refused DLQ edit leaving the original bytes.`,
    '',
    `Result: ${verdict}. ${total(badInput)} bad inputs in ${badInput.length} rows, ${generated} of them generated (fast-check, fixed seeds).`,
    '',
  );
  lines.push('| issue #12 item | inputs | generated | result |', '| --- | ---: | ---: | --- |');
  for (const { item, match } of ISSUE_LIST) {
    const rows = badInput.filter(match);
    const failedHere = [...new Set(rows.map((r) => r.tally))].reduce((n, t) => n + (failures.get(t) ?? 0), 0);
    const result = rows.length === 0 ? 'NOT COVERED in this run' : failedHere ? `${failedHere} failed test(s) in its file(s)` : 'pass';
    lines.push(`| ${item} | ${total(rows)} | ${total(rows.filter((r) => kindOf(r) === 'generated'))} | ${result} |`);
  }
  lines.push('', '| boundary | input class | kind | inputs | outcome | result |', '| --- | --- | --- | ---: | --- | --- |');
  for (const r of badInput) lines.push(`| ${cell(r.boundary)} | ${cell(r.inputClass)} | ${kindOf(r)} | ${r.count} | ${cell(r.outcome)} | pass |`);
  for (const t of failedTests) lines.push(`| ${cell(t.file)} | ${cell(t.title)} | — | — | ${cell(t.message)} | **FAIL** |`);
  for (const run of results.runs.filter((r) => !r.files)) lines.push(`| tests/${run.project}/boundary-* | (vitest wrote no report, exit ${run.exit}) | — | — | — | **FAIL** |`);
  if (security.length) {
    lines.push('', 'Security checks counted by the same tests (issue #12 item 3):', '', '| check | case | count | outcome |', '| --- | --- | ---: | --- |');
    for (const r of security) lines.push(`| ${cell(r.boundary)} | ${cell(r.inputClass)} | ${r.count} | ${cell(r.outcome)} |`);
  }
  lines.push('', '| test run | files | tests passed | tests failed | time |', '| --- | --- | ---: | ---: | ---: |');
  for (const run of results.runs) {
    const files = run.files?.map((f) => `${f.file} ${f.status === 'passed' ? '✓' : '✗'}`).join(', ') ?? `no report (exit ${run.exit})`;
    lines.push(`| ${run.project} | ${files} | ${run.files?.reduce((n, f) => n + f.passed, 0) ?? 0} | ${run.files?.reduce((n, f) => n + f.failed.length, 0) ?? '?'} | ${run.seconds} s |`);
  }
  return `${lines.join('\n')}\n`;
}

export const BAD_INPUT_MARK = '<!-- bad-input-results ';

export function embedBadInput(results: BadInputResults | null): string {
  return results ? `${BAD_INPUT_MARK}${Buffer.from(JSON.stringify(results)).toString('base64')} -->\n` : '';
}

/** The bad-input results embedded in an earlier RELIABILITY.md, if any. */
export function previousBadInput(file: string): BadInputResults | null {
  if (!existsSync(file)) return null;
  const text = readFileSync(file, 'utf8');
  const at = text.lastIndexOf(BAD_INPUT_MARK);
  if (at < 0) return null;
  return JSON.parse(Buffer.from(text.slice(at + BAD_INPUT_MARK.length, text.indexOf(' -->', at)), 'base64').toString('utf8')) as BadInputResults;
}
