// `npm test`: every test layer, in order, with one summary at the end.
//
//   1. prerequisites: the Prisma client (npm run db:generate when it is missing), Kafka
//      (started with infra/kafka/kafka.sh unless KAFKA_BROKERS points elsewhere; then it
//      must answer) and PostgreSQL (TEST_DATABASE_URL_BASE, else the server on
//      127.0.0.1:5432, else the embedded server, started here and stopped at the end;
//      the int and e2e layers get it through TEST_DATABASE_URL_BASE);
//   2. unit, then int (vitest, one run per project, JSON reports in
//      test-results/vitest-unit.json and test-results/vitest-int.json);
//   3. the production build (`next build`; SKIP_BUILD=1 reuses an existing one);
//   4. e2e (Playwright against `next start`, JSON report in test-results/e2e.json);
//   5. the reduced fault layer (issue #12): scenario A of `npm run test:faults` once, on a
//      PostgreSQL cluster and Kafka broker of its own (test-results/faults.json; SKIP_FAULTS=1 skips it).
//
// Every layer runs even when an earlier one failed, so the summary is complete. Counts
// come from the JSON reports, never from exit codes alone; a layer that could not run,
// crashed, or exited non-zero without a failed test in its report counts as one failure.
// The LAST line printed is exactly `N passed, N failed` (`, N skipped` when any were
// skipped), which CI reads; the exit code is non-zero when anything failed.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tcpAnswers } from '../lib/adapters/postgres/embedded-server';
import { resolvePostgres } from '../lib/adapters/postgres/resolve-server';
import { databaseSelectionEnvSchema } from '../lib/config/database-env';
import { parseEnv } from '../lib/config/parse-env';
import { cleanUpRecordedRun } from '../tests/e2e/support/server';
import { firstLine, playwrightFailures, vitestFailures, type PlaywrightSuite, type VitestFileResult } from './test-reports';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = path.join(root, 'test-results');
const e2eReport = path.join(resultsDir, 'e2e.json');

const MINUTE = 60_000;

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

interface LayerResult extends Counts {
  name: string;
  /** Wall-clock seconds, when the layer ran on its own. */
  seconds?: number;
  /** Why it counts a failure without a failed test (could not run, crashed, ...). */
  problems: string[];
  /** Each failed test, named with the first line of its error (printed in the summary, which CI's tail shows). */
  failures: string[];
  note?: string;
}

const layers: LayerResult[] = [];

function newLayer(name: string): LayerResult {
  return { name, passed: 0, failed: 0, skipped: 0, problems: [], failures: [] };
}
const steps: Array<{ name: string; ok: boolean; seconds: number; note?: string }> = [];

function banner(text: string): void {
  console.log(`\n━━━ ${text} ${'━'.repeat(Math.max(3, 70 - text.length))}`);
}

function run(
  command: string,
  args: string[],
  options: { timeoutMs: number; env?: NodeJS.ProcessEnv } = { timeoutMs: 10 * MINUTE },
): Promise<{ code: number | null; signal: NodeJS.Signals | null; seconds: number; timedOut: boolean; error?: string }> {
  const started = Date.now();
  return new Promise((resolve) => {
    let timedOut = false;
    const child = spawn(command, args, {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: options.env ?? process.env,
      detached: true, // own process group: a timeout stops the whole tree
    });
    const kill = (signal: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, signal);
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      console.error(`\ntest-all: ${command} ${args.join(' ')} exceeded ${options.timeoutMs / MINUTE} min; stopping it`);
      kill('SIGTERM');
      setTimeout(() => kill('SIGKILL'), 15_000).unref();
    }, options.timeoutMs);
    const stopOnSignal = () => kill('SIGTERM');
    process.once('SIGINT', stopOnSignal);
    process.once('SIGTERM', stopOnSignal);
    const finish = (code: number | null, signal: NodeJS.Signals | null, error?: string) => {
      clearTimeout(timer);
      process.off('SIGINT', stopOnSignal);
      process.off('SIGTERM', stopOnSignal);
      resolve({ code, signal, seconds: (Date.now() - started) / 1000, timedOut, error });
    };
    child.once('error', (e) => finish(null, null, e.message));
    child.once('exit', (code, signal) => finish(code, signal));
  });
}

function describeExit(r: { code: number | null; signal: NodeJS.Signals | null; timedOut: boolean; error?: string }): string {
  if (r.error) return `could not start: ${r.error}`;
  if (r.timedOut) return 'timed out';
  if (r.signal) return `killed by ${r.signal}`;
  return `exit code ${r.code}`;
}

async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

// ── 1. prerequisites ─────────────────────────────────────────────────────────────────

async function ensurePrismaClient(): Promise<boolean> {
  const generated = path.join(root, 'lib', 'adapters', 'prisma', 'generated');
  if (existsSync(path.join(generated, 'client.ts'))) {
    steps.push({ name: 'prisma client', ok: true, seconds: 0, note: 'present' });
    return true;
  }
  banner('prisma generate (client missing)');
  const r = await run('npm', ['run', '--silent', 'db:generate'], { timeoutMs: 5 * MINUTE });
  const ok = r.code === 0;
  steps.push({ name: 'prisma client', ok, seconds: r.seconds, note: ok ? 'generated' : `db:generate failed (${describeExit(r)})` });
  return ok;
}

/** Whether a broker's `host:port` (IPv6 in brackets) accepts a TCP connection. */
function brokerAnswers(hostPort: string): Promise<boolean> {
  const at = hostPort.lastIndexOf(':');
  return tcpAnswers(hostPort.slice(0, at).replace(/^\[|\]$/g, ''), Number(hostPort.slice(at + 1)), 3_000);
}

async function ensureKafka(): Promise<boolean> {
  const configured = process.env.KAFKA_BROKERS?.trim();
  const started = Date.now();
  if (!configured) {
    banner('kafka (bash infra/kafka/kafka.sh start)');
    const r = await run('bash', ['infra/kafka/kafka.sh', 'start'], { timeoutMs: 6 * MINUTE });
    const ok = r.code === 0;
    steps.push({ name: 'kafka', ok, seconds: r.seconds, note: ok ? '127.0.0.1:9092 (local broker)' : `kafka.sh start failed (${describeExit(r)})` });
    return ok;
  }
  banner(`kafka (KAFKA_BROKERS=${configured})`);
  const waiter = path.join(root, 'infra', 'kafka', 'wait-for-kafka.cjs');
  let ok: boolean;
  if (existsSync(waiter)) {
    const r = await run(process.execPath, [waiter, '--brokers', configured, '--timeout', '30'], { timeoutMs: 2 * MINUTE });
    ok = r.code === 0;
  } else {
    const answers = await Promise.all(configured.split(',').map((b) => brokerAnswers(b.trim())));
    ok = answers.every(Boolean);
  }
  steps.push({
    name: 'kafka',
    ok,
    seconds: (Date.now() - started) / 1000,
    note: ok ? configured : `no answer from ${configured}`,
  });
  return ok;
}

/** Picks the server the int and e2e layers use; returns how to stop it when it was started here. */
async function ensurePostgres(): Promise<{ ok: boolean; stop: (() => Promise<void>) | null }> {
  const started = Date.now();
  banner('postgresql');
  try {
    const env = parseEnv(databaseSelectionEnvSchema, process.env, 'npm test');
    const server = await resolvePostgres({ env, configuredUrl: env.TEST_DATABASE_URL_BASE, root, database: '', startEmbedded: true });
    if (!server) throw new Error('no server'); // unreachable: startEmbedded
    // Children (vitest workers, Playwright's global setup) inherit it.
    process.env.TEST_DATABASE_URL_BASE = server.url;
    console.log(`test databases on the ${server.description}`);
    steps.push({ name: 'postgresql', ok: true, seconds: (Date.now() - started) / 1000, note: server.description });
    return { ok: true, stop: server.stop };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(message);
    steps.push({ name: 'postgresql', ok: false, seconds: (Date.now() - started) / 1000, note: message.split('\n')[0]!.slice(0, 200) });
    return { ok: false, stop: null };
  }
}

async function stopPostgres(stop: (() => Promise<void>) | null): Promise<void> {
  if (!stop) return;
  const started = Date.now();
  try {
    await stop();
    steps.push({ name: 'postgresql stop', ok: true, seconds: (Date.now() - started) / 1000, note: 'embedded server stopped' });
  } catch (error) {
    const note = `could not stop the embedded server: ${error instanceof Error ? error.message : String(error)}`;
    steps.push({ name: 'postgresql stop', ok: false, seconds: (Date.now() - started) / 1000, note: note.slice(0, 200) });
  }
}

// ── 2. unit + int (vitest) ───────────────────────────────────────────────────────────

interface VitestReport {
  success?: boolean;
  numFailedTestSuites?: number;
  testResults?: VitestFileResult[];
}

async function runVitestProject(project: 'unit' | 'int', prismaOk: boolean): Promise<void> {
  const layer = newLayer(project);
  layers.push(layer);
  banner(`vitest: ${project}`);
  const report = path.join(resultsDir, `vitest-${project}.json`);
  await rm(report, { force: true });
  const r = await run(
    'npx',
    ['vitest', 'run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${path.relative(root, report)}`],
    { timeoutMs: 30 * MINUTE },
  );
  layer.seconds = r.seconds;
  const json = await readJson<VitestReport>(report);
  if (!json) {
    layer.problems.push(`vitest wrote no report (${describeExit(r)})`);
    return;
  }
  const files = json.testResults ?? [];
  for (const file of files) {
    const assertions = file.assertionResults ?? [];
    for (const a of assertions) {
      if (a.status === 'passed') layer.passed += 1;
      else if (a.status === 'failed') layer.failed += 1;
      else layer.skipped += 1; // skipped, pending, todo, disabled
    }
    // A file that failed without a failed test: it did not load, or a hook crashed.
    if (file.status === 'failed' && !assertions.some((a) => a.status === 'failed')) {
      layer.problems.push(`${path.relative(root, file.name)}: ${firstLine(file.message ?? 'failed outside any test', 200)}`);
    }
  }
  layer.failures.push(...vitestFailures(files, (file) => path.relative(root, file)));
  if (files.length === 0 && layer.problems.length === 0) layer.problems.push(`no test file ran (${describeExit(r)})`);
  if (r.code !== 0 && layer.failed === 0 && layer.problems.length === 0) {
    // e.g. unhandled errors between tests: vitest fails the run without failing a test.
    layer.problems.push(`vitest ${describeExit(r)} with no failed test in its report`);
  }
  layer.note = `${files.length} file(s)${prismaOk ? '' : '; Prisma client missing'}`;
}

async function runVitest(kafkaOk: boolean, postgresOk: boolean, prismaOk: boolean): Promise<void> {
  // One run per project: separate reports and timings, and a crash in one project
  // cannot hide the other's results.
  await runVitestProject('unit', prismaOk);
  if (kafkaOk && postgresOk) {
    await runVitestProject('int', prismaOk);
  } else {
    const missing = kafkaOk ? 'no PostgreSQL (see the postgresql step above)' : 'Kafka did not answer (see the kafka step above)';
    layers.push({ ...newLayer('int'), problems: [`not run: ${missing}`] });
  }
}

// ── 3. build ─────────────────────────────────────────────────────────────────────────

async function build(): Promise<boolean> {
  const buildId = path.join(root, '.next', 'BUILD_ID');
  if (process.env.SKIP_BUILD === '1' && existsSync(buildId)) {
    steps.push({ name: 'next build', ok: true, seconds: 0, note: 'skipped (SKIP_BUILD=1, .next/BUILD_ID exists)' });
    return true;
  }
  banner('next build');
  const r = await run('npx', ['next', 'build'], { timeoutMs: 20 * MINUTE, env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
  const ok = r.code === 0 && existsSync(buildId);
  steps.push({ name: 'next build', ok, seconds: r.seconds, note: ok ? undefined : `failed (${describeExit(r)})` });
  return ok;
}

// ── 4. e2e (Playwright) ──────────────────────────────────────────────────────────────

interface PlaywrightReport {
  stats?: { expected: number; unexpected: number; flaky: number; skipped: number };
  errors?: Array<{ message?: string }>;
  suites?: PlaywrightSuite[];
}

async function runE2e(buildOk: boolean): Promise<void> {
  const layer = newLayer('e2e');
  layers.push(layer);
  if (!buildOk) {
    layer.problems.push('not run: no production build (next build failed)');
    return;
  }
  banner('e2e: playwright test');
  await rm(e2eReport, { force: true });
  const r = await run('npx', ['playwright', 'test'], { timeoutMs: 30 * MINUTE });
  layer.seconds = r.seconds;
  // A Playwright runner stopped at its time limit never runs global teardown, and the
  // console server it started lives in its own process group: stop it and drop its
  // database here (a no-op after a normal teardown), or it holds the port for the next run.
  await cleanUpRecordedRun((line) => console.log(`test-all: e2e: ${line}`)).catch((error: unknown) => {
    layer.problems.push(`could not clean up after playwright: ${error instanceof Error ? error.message : String(error)}`);
  });
  const report = await readJson<PlaywrightReport>(e2eReport);
  if (!report?.stats) {
    layer.problems.push(`playwright wrote no report (${describeExit(r)})`);
    return;
  }
  layer.passed = report.stats.expected + report.stats.flaky;
  layer.failed = report.stats.unexpected;
  layer.failures.push(...playwrightFailures(report.suites));
  layer.skipped = report.stats.skipped;
  if (report.stats.flaky > 0) layer.note = `${report.stats.flaky} flaky (passed on retry)`;
  // Errors outside tests: global setup/teardown, a spec file that does not load, ...
  for (const e of report.errors ?? []) {
    layer.problems.push(firstLine(e.message ?? 'error outside any test', 200));
  }
  if (r.code !== 0 && layer.failed === 0 && layer.problems.length === 0) {
    layer.problems.push(`playwright ${describeExit(r)} with no failed test in its report`);
  }
}

// ── faults (reduced) ──

const faultsResults = path.join(resultsDir, 'faults.json');
/** The reduced fault layer (issue #12): scenario A, a PostgreSQL restart and a broker SIGKILL under traffic, on a cluster and broker of its own. */
const REDUCED_FAULTS = ['--only', 'pg-restart-and-broker-kill', '--runs', '1', '--no-write', '--results', faultsResults];

async function runFaults(): Promise<void> {
  const layer = newLayer('faults (reduced)');
  layers.push(layer);
  if (process.env.SKIP_FAULTS === '1') {
    layer.note = 'skipped (SKIP_FAULTS=1)';
    return;
  }
  banner(`faults: npm run test:faults -- ${REDUCED_FAULTS.join(' ')}`);
  await rm(faultsResults, { force: true });
  const r = await run('npx', ['tsx', 'scripts/test-faults.ts', ...REDUCED_FAULTS], { timeoutMs: 20 * MINUTE });
  layer.seconds = r.seconds;
  const runs = await readJson<Array<{ scenario: string; run: number; ok: boolean; error?: string }>>(faultsResults);
  if (!runs || runs.length === 0) {
    layer.problems.push(`the fault suite wrote no results (${describeExit(r)})`);
    return;
  }
  layer.passed = runs.filter((x) => x.ok).length;
  layer.failed = runs.length - layer.passed;
  for (const x of runs.filter((run) => !run.ok)) layer.failures.push(`${x.scenario} #${x.run}: ${firstLine(x.error)}`);
  if (r.code !== 0 && layer.failed === 0) layer.problems.push(`test:faults ${describeExit(r)} with every run passed`);
}

// ── summary ──────────────────────────────────────────────────────────────────────────

function fmt(c: Counts): string {
  return `${c.passed} passed, ${c.failed} failed${c.skipped > 0 ? `, ${c.skipped} skipped` : ''}`;
}

async function main(): Promise<number> {
  const started = Date.now();
  await mkdir(resultsDir, { recursive: true });

  const prismaOk = await ensurePrismaClient();
  const kafkaOk = await ensureKafka();
  const postgres = await ensurePostgres();
  await runVitest(kafkaOk, postgres.ok, prismaOk);
  const buildOk = await build();
  await runE2e(buildOk);
  await runFaults();
  await stopPostgres(postgres.stop);

  banner('summary');
  for (const s of steps) {
    console.log(`  ${s.ok ? '✓' : '✗'} ${s.name.padEnd(22)} ${s.seconds.toFixed(1).padStart(6)}s${s.note ? `  ${s.note}` : ''}`);
  }
  console.log('');
  const total: Counts = { passed: 0, failed: 0, skipped: 0 };
  // (A Kafka that does not answer shows as the int layer's problem, counted there.)
  const prerequisiteFailures = steps.filter((s) => !s.ok && ['prisma client', 'postgresql', 'postgresql stop'].includes(s.name));
  for (const layer of layers) {
    // A layer that could not run or crashed counts as (at least) one failure.
    const counts = { passed: layer.passed, failed: layer.failed + layer.problems.length, skipped: layer.skipped };
    total.passed += counts.passed;
    total.failed += counts.failed;
    total.skipped += counts.skipped;
    const time = layer.seconds !== undefined ? `  ${layer.seconds.toFixed(1)}s` : '';
    console.log(`  ${counts.failed === 0 ? '✓' : '✗'} ${layer.name.padEnd(8)} ${fmt(counts)}${time}${layer.note ? `  (${layer.note})` : ''}`);
    for (const f of layer.failures) console.log(`      ✗ ${f}`);
    for (const p of layer.problems) console.log(`      ✗ ${p}`);
  }
  // A prerequisite that failed is a failure even when no layer noticed it.
  for (const s of prerequisiteFailures) {
    total.failed += 1;
    console.log(`  ✗ ${s.name}: ${s.note ?? 'failed'}`);
  }
  const buildStep = steps.find((s) => s.name === 'next build');
  if (buildStep && !buildStep.ok) console.log('  ✗ next build failed: e2e could not run');
  console.log(`\n  total ${((Date.now() - started) / 1000).toFixed(1)}s`);
  console.log(fmt(total));
  return total.failed > 0 || total.passed === 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    console.log('0 passed, 1 failed');
    process.exit(1);
  },
);
