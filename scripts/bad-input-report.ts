// The bad-input table for RELIABILITY.md (issue #12, part 2): runs the boundary tests
// (tests/unit/boundary-*.test.ts, tests/int/boundary-*.test.ts) with vitest's JSON
// reporter, collects the tallies each test writes to .data/bad-input/<name>.json
// (boundary, input class, outcome, count — counted only after the case's assertions
// passed), and prints a markdown table "boundary × input class × outcome × count"
// with the test results, to stdout and to .data/bad-input-report.md.
//   npx tsx scripts/bad-input-report.ts            unit + int boundary tests (needs PostgreSQL and Kafka)
//   npx tsx scripts/bad-input-report.ts --unit     the configuration boundary only (no services)
//   npx tsx scripts/bad-input-report.ts --no-run   render from the tallies of the last run
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface Row { boundary: string; inputClass: string; outcome: string; count: number }
interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numTotalTests: number;
  testResults: Array<{ name: string; status: string; assertionResults: Array<{ status: string; title: string }> }>;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, '.data', 'bad-input');
const args = new Set(process.argv.slice(2));
const unknown = [...args].filter((a) => !['--unit', '--no-run', '--help', '-h'].includes(a));
if (unknown.length || args.has('--help') || args.has('-h')) {
  console.error(`Usage: npx tsx scripts/bad-input-report.ts [--unit] [--no-run]${unknown.length ? `\nunknown option ${unknown.join(' ')}` : ''}`);
  process.exit(unknown.length ? 64 : 0);
}

const projects: Array<[project: string, files: string]> = args.has('--unit')
  ? [['unit', 'tests/unit/boundary-']]
  : [['unit', 'tests/unit/boundary-'], ['int', 'tests/int/boundary-']];

const runs: Array<{ project: string; result: VitestJson | null; exit: number | null; seconds: number }> = [];
if (!args.has('--no-run')) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [project, filter] of projects) {
    const outputFile = path.join(dir, `vitest-${project}.result`);
    const started = Date.now();
    const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--project', project, filter, '--reporter=json', `--outputFile=${outputFile}`], {
      cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: process.env,
    });
    const result = existsSync(outputFile) ? (JSON.parse(readFileSync(outputFile, 'utf8')) as VitestJson) : null;
    runs.push({ project, result, exit: r.status, seconds: Math.round((Date.now() - started) / 1000) });
  }
} else {
  for (const [project] of projects) {
    const outputFile = path.join(dir, `vitest-${project}.result`);
    runs.push({ project, result: existsSync(outputFile) ? (JSON.parse(readFileSync(outputFile, 'utf8')) as VitestJson) : null, exit: null, seconds: 0 });
  }
}

const rows: Row[] = existsSync(dir)
  ? readdirSync(dir).filter((f) => f.endsWith('.json')).sort().flatMap((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Row[])
  : [];
const cell = (s: string | number) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');

const lines: string[] = [];
lines.push('| boundary | input class | outcome | count |', '| --- | --- | --- | ---: |');
for (const r of rows) lines.push(`| ${cell(r.boundary)} | ${cell(r.inputClass)} | ${cell(r.outcome)} | ${r.count} |`);
lines.push('');
lines.push(`${rows.reduce((n, r) => n + r.count, 0)} generated and hand-written inputs in ${rows.length} rows, each counted after its assertions passed.`);
lines.push('');
lines.push('| test run | files | tests passed | tests failed | time |', '| --- | --- | ---: | ---: | ---: |');
for (const run of runs) {
  const files = run.result?.testResults.map((t) => `${path.basename(t.name)} ${t.status === 'passed' ? '✓' : '✗'}`).join(', ') ?? 'no result';
  lines.push(`| ${run.project} | ${files} | ${run.result?.numPassedTests ?? 0} | ${run.result?.numFailedTests ?? '?'} | ${run.seconds ? `${run.seconds} s` : '–'} |`);
}
const failed = runs.flatMap((run) => run.result?.testResults.flatMap((t) => t.assertionResults.filter((a) => a.status === 'failed').map((a) => `${path.basename(t.name)}: ${a.title}`)) ?? []);
if (failed.length) lines.push('', 'Failed:', ...failed.map((f) => `- ${f}`));
lines.push('', `Reproduce: \`npx tsx scripts/bad-input-report.ts\` (${new Date().toISOString().slice(0, 16)}Z).`);

const report = lines.join('\n') + '\n';
mkdirSync(path.join(root, '.data'), { recursive: true });
writeFileSync(path.join(root, '.data', 'bad-input-report.md'), report);
process.stdout.write(report);
const bad = failed.length > 0 || runs.some((r) => !r.result || (r.exit !== null && r.exit !== 0));
process.exit(bad ? 1 : 0);
