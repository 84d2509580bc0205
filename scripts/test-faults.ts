// npm run test:faults — the fault-injection suite (docs/faults.md). Runs each fault
// scenario against the real demo system on a PostgreSQL cluster and a Kafka broker
// it creates and owns (never the shared ones), checks every run with the invariant
// checker, and writes RELIABILITY.md: fault × run × outcome × recovery time.
//
//   npm run test:faults                          every scenario, 3 runs each
//   npm run test:faults -- --runs 1 --only pg-restart-and-broker-kill
//   npm run test:faults -- --rate 40 --only broker-sigkill,broker-sigterm --append
//
// Options: --runs N (3), --only id,id (all), --rate R orders/s for the #12 scenarios (145: about 550 events/s asked; a quiet 2-core machine moved 545),
// --traffic-seconds S for them (50), --out FILE (RELIABILITY.md), --no-write, --append, --results FILE (the runs as JSON),
// (keep the existing file's rows and add these runs after them),
// --rerender (run nothing; write --out again from the results embedded in it),
// --merge FILE (run nothing; add the runs embedded in FILE, written by another run of this script, after those in --out),
// --start-before HH:MM (UTC; no run starts later, the rest are reported as not started).
// --only takes `bad-input` too: the boundary tests (scripts/bad-input-suite.ts; real PostgreSQL and Kafka),
// written as the "Bad inputs × outcome" section; without --only they run after the scenarios. A run
// without them keeps the section (and its embedded results) of the file it rewrites.
// Exit code 0 only when every run passed. Worker and harness logs: .data/faults/<time>/.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runScenario, stopCurrentRun, type RunResult, type Scenario } from '../tests/faults/run-scenario';
import { faultScenarios, scenarioA } from '../tests/faults/scenarios';
import { badInputFailed, embedBadInput, previousBadInput, renderBadInput, runBadInputSuite, type BadInputResults } from './bad-input-suite';
import { jobScenarios } from '../tests/faults/job-scenarios';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Issue #12: the faults are injected while the demo moves at least this many events a second. */
const TARGET_EVENTS_PER_SECOND = 500;

interface Options {
  runs: number;
  only: string[] | null;
  rate: number;
  trafficSeconds: number;
  out: string;
  write: boolean;
  append: boolean;
  /** Runs nothing: writes --out again from the results embedded in it (after a change to this script's layout). */
  rerender: boolean;
  /** Runs nothing: adds the runs embedded in this file (another run's --out) to --out, numbered after the runs there. */
  merge: string | null;
  /** No run starts after this time (ms since the epoch); the runs left are listed as not run. */
  startBefore: number | null;
  /** Also writes the runs' results (JSON) here: what `npm test`'s reduced fault layer counts. */
  results: string | null;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { runs: 3, only: null, rate: 145, trafficSeconds: 50, out: path.join(root, 'RELIABILITY.md'), write: true, append: false, rerender: false, merge: null, startBefore: null, results: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const positive = (v: string) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${a} must be a positive number, got ${v}`);
      return n;
    };
    if (a === '--runs') o.runs = Math.floor(positive(value()));
    else if (a === '--only') o.only = value().split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--rate') o.rate = positive(value());
    else if (a === '--traffic-seconds') o.trafficSeconds = positive(value());
    else if (a === '--out') o.out = path.resolve(value());
    else if (a === '--no-write') o.write = false;
    else if (a === '--results') o.results = path.resolve(value());
    else if (a === '--append') o.append = true;
    else if (a === '--rerender') o.rerender = true;
    else if (a === '--merge') o.merge = path.resolve(value());
    else if (a === '--start-before') {
      const v = value();
      const at = /^\d{2}:\d{2}$/.test(v) ? Date.parse(`${new Date().toISOString().slice(0, 10)}T${v}:00Z`) : NaN;
      if (Number.isNaN(at)) throw new Error(`--start-before takes a UTC time HH:MM, got ${v}`);
      o.startBefore = at;
    }
    else throw new Error(`unknown option ${a} (see the header of scripts/test-faults.ts)`);
  }
  if (o.rate > 200) throw new Error('--rate must be at most 200 orders/s (the traffic knob\'s limit)');
  return o;
}

const fmt = (n: number | null | undefined, digits = 1) => (n === null || n === undefined ? '—' : n.toFixed(digits));

/**
 * The load a run offered: events its orders caused per second of traffic, whenever they were
 * written (orders/s × outbox events ÷ orders placed; payments handles exactly the OrderPlaced
 * events). A fault that stops the consumers for a while lowers the events moved during
 * traffic, not this.
 */
function offeredEventsPerSecond(r: RunResult): number | null {
  const orders = r.verdict?.consumers.find((c) => c.consumer === 'payments')?.handled;
  return r.verdict && r.ordersPerSecond && orders ? (r.ordersPerSecond * r.verdict.outboxEvents) / orders : null;
}

function outcome(r: RunResult): string {
  if (r.error) return `ERROR: ${r.error.split('\n')[0]!.slice(0, 120)}`;
  if (!r.verdict) return 'no verdict';
  if (r.ok) return 'PASS';
  const why = [
    r.verdict.lost && `${r.verdict.lost} lost`,
    r.verdict.doubled && `${r.verdict.doubled} doubled`,
    r.verdict.drift && `${r.verdict.drift} drifted rows`,
    r.verdict.unpublished && `${r.verdict.unpublished} unpublished`,
    r.verdict.poisonUnaccounted && `${r.verdict.poisonUnaccounted} poison without dead letter`,
    r.verdict.jobs?.failures && `${r.verdict.jobs.failures} replay/rebuild job failures`,
    r.scenarioProblems?.length && `${r.scenarioProblems.length} problem(s) found by the scenario's own check`,
    r.drainSeconds === null && `did not drain${r.undrained ? ` (${r.undrained.unapplied} applications and ${r.undrained.unpublished} publications still pending when it gave up; counted as lost)` : ''}`,
  ].filter(Boolean);
  return `FAIL (${why.join(', ')})`;
}

function row(r: RunResult): string {
  const v = r.verdict;
  const never = (i: number) => (i < r.faults.length - 1 ? `not caught up before the next fault ${fmt(r.faults[i + 1]!.injectedAtSeconds - r.faults[i]!.injectedAtSeconds, 0)} s later` : 'not caught up within the run');
  const faults = r.faults
    .map((f, i) => `${f.label} at ${fmt(f.injectedAtSeconds, 0)} s: outage ${fmt(f.outageSeconds)} s, ${f.recoverySeconds === null ? never(i) : `recovered in ${fmt(f.recoverySeconds)} s${f.recoveredAfterTrafficStopped ? ' (after traffic stopped)' : ''}`}, peak lag ${f.peakLag ?? '—'}, peak unpublished ${f.peakUnpublished ?? '—'}${f.note ? ` (${f.note})` : ''}`)
    .join('; ');
  const restarts = Object.entries(r.workerStarts).filter(([, n]) => n > 1).map(([w, n]) => `${w} ×${n - 1}`).join(', ') || 'none';
  return `| ${r.scenario} | ${r.run} | ${r.startedAt.slice(0, 16).replace('T', ' ')} | ${outcome(r)} | ${v?.lost ?? '—'} | ${v?.doubled ?? '—'} | ${v?.drift ?? '—'} | ${v?.unpublished ?? '—'} | ${v ? `${v.deadLettered} / ${v.poisonOnTopic}` : '—'} | ${faults || '—'} | ${fmt(r.drainSeconds)} | ${fmt(r.ordersPerSecond)} / ${fmt(r.eventsPerSecond, 0)} / ${fmt(offeredEventsPerSecond(r), 0)} | ${v?.outboxEvents ?? '—'} | ${restarts} | ${r.loadAverage.join(' ')} |`;
}

const RESULTS_MARK = '<!-- fault-results ';

function previousResults(file: string): Array<RunResult & { source?: string }> {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  const at = text.lastIndexOf(RESULTS_MARK);
  if (at < 0) return [];
  const json = text.slice(at + RESULTS_MARK.length, text.indexOf(' -->', at));
  return JSON.parse(Buffer.from(json, 'base64').toString('utf8')) as Array<RunResult & { source?: string }>;
}

/** A command as someone would type it in the checkout: `--out <somewhere>/RELIABILITY.md` (a snapshot run writing back) is the default. */
function withoutDefaultOut(command: string): string {
  return command.replace(/ --out \S*RELIABILITY\.md(?=\s|$)/, '');
}

/** What code ran: FAULTS_SOURCE when set (e.g. a snapshot of a commit), else the checkout's commit and whether it had changes. */
function codeUnderTest(): string {
  if (process.env.FAULTS_SOURCE) return process.env.FAULTS_SOURCE;
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'lib', 'workers', 'prisma', 'scripts', 'tests/faults'], { cwd: root, encoding: 'utf8' }).trim();
    return `commit ${commit}${dirty ? ' with uncommitted changes' : ''}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

/** The --only id of the bad-input part (not a fault scenario). */
const BAD_INPUT = 'bad-input';
const BAD_INPUT_COMMAND = `npm run test:faults -- --only ${BAD_INPUT}`;

function markdown(results: Array<RunResult & { source?: string }>, commands: string[], badInput: BadInputResults | null): string {
  const scenarios = [...new Set(results.map((r) => r.scenario))];
  const passedRuns = results.filter((r) => r.ok).length;
  // Issue #12 asks for the faults under ≥ 500 events/s (scenario A runs at 40 orders/s by design).
  const atTarget = (r: RunResult) => (offeredEventsPerSecond(r) ?? 0) >= TARGET_EVENTS_PER_SECOND;
  const scenarioIds = [...new Set(results.map((r) => r.scenario))];
  const passedAtTarget = (id: string) => results.filter((r) => r.scenario === id && r.ok && atTarget(r)).length;
  const targetLine = `Runs offering ≥ ${TARGET_EVENTS_PER_SECOND} events/s (events the run's orders caused, per second of traffic: orders/s × outbox events ÷ orders; the events moved during traffic are lower when a fault stops the consumers for a while, and are in the table too): ${results.filter(atTarget).length} of ${results.length}, ${results.filter((r) => r.ok && atTarget(r)).length} of them PASS.`;
  const perScenarioLine = ` PASS runs at that rate per scenario: ${scenarioIds.filter((id) => id !== scenarioA.id).map((id) => `${id} ${passedAtTarget(id)}`).join(', ')}.`;
  const slim = results.map((r) => ({ ...r, verdict: r.verdict ? { ...r.verdict, problems: r.verdict.problems.slice(0, 10) } : null }));
  const problems = results
    .filter((r) => !r.ok)
    .map((r) => `- **${r.scenario} run ${r.run}**: ${r.error ?? ''}${(r.verdict?.problems ?? []).slice(0, 8).map((p) => `\n  - ${p}`).join('')}`);
  const perConsumer = results
    .filter((r) => r.verdict)
    .map((r) => `| ${r.scenario} | ${r.run} | ${r.verdict!.consumers.map((c) => `${c.consumer} ${c.applied}+${c.deadLettered}/${c.handled}${c.replayed ? ` (${c.replayed} of them applied through a DLQ replay)` : ''}`).join(', ')} | ${r.verdict!.resentCopies} |`);
  return `# Reliability

Written by \`scripts/test-faults.ts\` (\`npm run test:faults\`) from real runs; do not edit by hand.
What the suite does, how recovery is measured and which faults are not covered yet:
[docs/faults.md](docs/faults.md).

Reproduce:

${[...new Set(commands.map(withoutDefaultOut))].map((c) => `\`\`\`sh\n${c}\n\`\`\``).join('\n\n')}

Code under test: ${[...new Set(results.map((r) => r.source ?? 'unknown'))].join('; ')}.
Machine: ${cpus().length} cores, shared with other work (load average at the end of each run in the last column).
${passedRuns} of ${results.length} runs passed, over ${scenarios.length} scenario(s): ${scenarios.join(', ')}.
${targetLine}${perScenarioLine}

## Faults under load

Outcome PASS means: nothing unpublished; every committed event applied exactly once (inbox, successful
attempts, notifications effect rows) or dead-lettered by every consumer that handles it (lost 0, doubled 0);
no cause emitted a follow-up twice and no order has a fact twice; both read models equal to a recomputation
by their own \`evolve\` and by plain SQL over the outbox (drift 0); every poison message on the topic
dead-lettered by each consumer that should; and the system drained after traffic stopped.

| scenario | run | started (UTC) | outcome | lost | doubled | drift | unpublished | dead-lettered events / poison on topic | faults: outage, recovery (lag back under the limit), peaks | drain (s) | orders/s / events/s moved during traffic / offered | outbox events | worker restarts | load avg |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${results.map(row).join('\n')}

Recovery limit per run (caught up = PostgreSQL and Kafka answer, oldest unpublished row ≤ 2 s old, every
consumer group's lag ≤ max(50, 2 s of that run's events, the largest lag seen under traffic before the first
fault), for 3 samples a second apart):
${results.filter((r) => r.limits).map((r) => `${r.scenario}#${r.run} lag ≤ ${r.limits!.maxLag}${r.limits!.lagBeforeFaults !== undefined ? ` (before faults: ${r.limits!.lagBeforeFaults})` : ''}`).join(', ')}.

### Per consumer (applied + dead-lettered / handled), and events the relay sent more than once

| scenario | run | consumers | re-sent copies on the topic |
| --- | --- | --- | --- |
${perConsumer.join('\n')}

${problems.length ? `### Problems\n\n${problems.join('\n')}\n` : ''}
## Not in this table

${(() => {
  const ids = new Set(results.map((r) => r.scenario));
  const missing = [scenarioA, ...faultScenarios(0), ...jobScenarios(0)].filter((sc) => !ids.has(sc.id)).map((sc) => `\`${sc.id}\``);
  const fewer = [...ids].filter((id) => results.filter((r) => r.scenario === id).length < 3).map((id) => `\`${id}\` (${results.filter((r) => r.scenario === id).length} run(s))`);
  return [
    missing.length ? `- Scenarios of the suite not run for this file: ${missing.join(', ')}.` : '',
    fewer.length ? `- Fewer than the 3 runs issue #12 asks for: ${fewer.join(', ')}.` : '',
    ...(() => {
      const short = scenarioIds.filter((id) => id !== scenarioA.id && passedAtTarget(id) < 3);
      return short.length ? [`- Fewer than 3 PASS runs at ≥ ${TARGET_EVENTS_PER_SECOND} events/s (issue #12): ${short.map((id) => `\`${id}\` (${passedAtTarget(id)})`).join(', ')}.`] : [];
    })(),
  ].filter(Boolean).join('\n');
})()}

## Bad inputs × outcome

${renderBadInput(badInput, BAD_INPUT_COMMAND)}
${RESULTS_MARK}${Buffer.from(JSON.stringify(slim)).toString('base64')} -->
${embedBadInput(badInput)}`;
}

const commandsIn = (file: string) => (existsSync(file) ? [...readFileSync(file, 'utf8').matchAll(/```sh\n(npm run test:faults[^\n]*)\n```/g)].map((m) => m[1]!) : []);

/**
 * Adds the runs embedded in `from` (written by another run of this script, e.g. one that could not
 * hold RELIABILITY.md while others appended to it) after those in `out`: a scenario's runs are
 * numbered on from the runs of it already there; the other file's commands join the reproduce list
 * (without their --out).
 */
function mergeInto(out: string, from: string): void {
  const kept = previousResults(out);
  const added = previousResults(from);
  if (added.length === 0) throw new Error(`${from} holds no fault results`);
  const offset = new Map<string, number>();
  for (const r of added) if (!offset.has(r.scenario)) offset.set(r.scenario, Math.max(0, ...kept.filter((k) => k.scenario === r.scenario).map((k) => k.run)));
  const renumbered = added.map((r) => ({ ...r, run: r.run + offset.get(r.scenario)! }));
  const commands = [...new Set([...commandsIn(out), ...commandsIn(from).map((c) => c.replace(/ --out \S+/, ''))])];
  writeFileSync(out, markdown([...kept, ...renumbered], commands, previousBadInput(out)));
  console.log(`added ${renumbered.length} run(s) from ${from} to ${path.relative(root, out)} (${renumbered.map((r) => `${r.scenario} #${r.run}`).join(', ')})`);
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`test:faults: ${signal}; stopping the run's workers, broker and cluster`);
      void stopCurrentRun().finally(() => process.exit(130));
    });
  }
  if (options.merge) return mergeInto(options.out, options.merge);
  if (options.rerender) {
    const results = previousResults(options.out);
    const commands = [...readFileSync(options.out, 'utf8').matchAll(/```sh\n(npm run test:faults[^\n]*)\n```/g)].map((m) => m[1]!);
    writeFileSync(options.out, markdown(results, commands, previousBadInput(options.out)));
    console.log(`rewrote ${path.relative(root, options.out)} from the ${results.length} results in it`);
    return;
  }
  const all: Scenario[] = [scenarioA, ...faultScenarios(options.rate, options.trafficSeconds), ...jobScenarios(options.rate, options.trafficSeconds)];
  const unknown = (options.only ?? []).filter((id) => id !== BAD_INPUT && !all.some((s) => s.id === id));
  if (unknown.length) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${all.map((s) => s.id).join(', ')}`);
  // In the order given (with --start-before, the first ones are the ones sure to run).
  const chosen = options.only ? options.only.filter((id) => id !== BAD_INPUT).map((id) => all.find((s) => s.id === id)!) : all;
  const withBadInput = !options.only || options.only.includes(BAD_INPUT);
  const logRoot = path.join(root, '.data', 'faults', new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(logRoot, { recursive: true });
  const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);
  log(`test:faults: ${[...chosen.map((s) => s.id), ...(withBadInput ? [BAD_INPUT] : [])].join(', ')}; ${options.runs} run(s) each; logs in ${path.relative(root, logRoot)}; load ${loadavg().map((n) => n.toFixed(2)).join(' ')}`);

  const results: Array<RunResult & { source?: string }> = [];
  const notRun: string[] = [];
  // --append adds runs: a scenario's runs are numbered after those already in the file.
  // Only the bad-input part: the fault results in the file are kept as they are.
  const keepFaults = options.append || chosen.length === 0;
  const earlier = keepFaults && options.write ? previousResults(options.out) : [];
  for (const scenario of chosen) {
    const first = Math.max(0, ...earlier.filter((r) => r.scenario === scenario.id).map((r) => r.run)) + 1;
    for (let run = first; run < first + options.runs; run++) {
      if (options.startBefore !== null && Date.now() >= options.startBefore) {
        notRun.push(`${scenario.id} run ${run}`);
        continue;
      }
      const result = await runScenario(scenario, run, { logRoot, log });
      results.push({ ...result, source: codeUnderTest() });
      writeFileSync(path.join(logRoot, 'results.json'), JSON.stringify(results, null, 2));
      if (options.results) {
        mkdirSync(path.dirname(options.results), { recursive: true });
        writeFileSync(options.results, JSON.stringify(results, null, 2));
      }
    }
  }

  let badInput: BadInputResults | null = null;
  if (withBadInput && options.startBefore !== null && Date.now() >= options.startBefore) notRun.push(BAD_INPUT);
  else if (withBadInput) {
    badInput = runBadInputSuite({ root, source: codeUnderTest(), log });
    log(`bad input: ${badInputFailed(badInput) ? 'FAIL' : 'PASS'}, ${badInput.rows.reduce((n, r) => n + r.count, 0)} inputs counted`);
  }

  const argv = process.argv.slice(2).filter((a) => a !== '--append' && a !== '--no-write');
  const command = `npm run test:faults${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
  if (options.write) {
    const kept = earlier;
    const keptCommands = keepFaults && existsSync(options.out) ? [...readFileSync(options.out, 'utf8').matchAll(/```sh\n(npm run test:faults[^\n]*)\n```/g)].map((m) => m[1]!) : [];
    const commands = [...new Set([...(kept.length ? keptCommands : []), ...(chosen.length ? [command] : [])])];
    writeFileSync(options.out, markdown([...kept, ...results], commands, badInput ?? previousBadInput(options.out)));
    log(`wrote ${path.relative(root, options.out)}`);
  }
  if (notRun.length) log(`not started (--start-before): ${notRun.join(', ')}`);
  console.log('\nscenario                      run  outcome');
  for (const r of results) console.log(`${r.scenario.padEnd(30)}${String(r.run).padEnd(5)}${outcome(r)}`);
  if (badInput) console.log(`${BAD_INPUT.padEnd(35)}${badInputFailed(badInput) ? 'FAIL' : 'PASS'}`);
  const failed = results.filter((r) => !r.ok).length + (badInput && badInputFailed(badInput) ? 1 : 0);
  console.log(`${results.length + (badInput ? 1 : 0) - failed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(`test:faults: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
