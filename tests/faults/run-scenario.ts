// One run of one fault scenario: start the demo system on an owned cluster and
// broker, let traffic flow until the pipeline is caught up, inject the scenario's
// faults at their times while traffic keeps flowing, stop traffic, wait until the
// system has drained, judge it (checks.ts), tear everything down.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Db } from '@/lib/adapters/prisma/client';
import { demoDefinitions, judgeRun, passed, type Verdict } from './checks';
import { startDemoSystem, type DemoSystem, type WorkerInstance, type WorkerName } from './demo-system';
import { caughtUp, maxLag, recoveredAt, startMonitor, type Monitor, type Sample } from './monitor';
import type { DemoKnobsUpdate } from '@/lib/demo/knobs';
import { ORDERS_TOPIC } from '@/lib/demo/orders/events';

export interface FaultContext {
  sys: DemoSystem;
  monitor: Monitor;
  log(line: string): void;
  /** When traffic measurement started (ms since the epoch): FaultStep.atSeconds counts from here. */
  trafficStartedAt: number;
  /**
   * A check of this fault's own, run after the general checks on the quiet system (e.g. that
   * the one event the fault aimed at was applied exactly once): problems fail the run; the
   * summary is added to the fault's note.
   */
  addCheck(check: ScenarioCheck): void;
}

export type ScenarioCheck = (db: Db) => Promise<{ problems: string[]; summary: string }>;

export interface FaultStep {
  label: string;
  /** Seconds after the pipeline was first caught up. */
  atSeconds: number;
  /** Injects the fault and returns once the faulty part is back (restarted), or at once for a kill the supervisor heals. */
  inject(ctx: FaultContext): Promise<string | void>;
}

export interface Scenario {
  id: string;
  title: string;
  /** Orders per second (the traffic knob). */
  rate: number;
  /** Seconds of traffic after the pipeline was first caught up. */
  trafficSeconds: number;
  faults: FaultStep[];
  workers?: readonly WorkerName[];
  instances?: readonly WorkerInstance[];
  env?: Record<string, string>;
  knobs?: DemoKnobsUpdate;
}

export interface FaultResult {
  label: string;
  /** Seconds after the start of traffic measurement. */
  injectedAtSeconds: number;
  /** Seconds the inject step took (e.g. until the restarted server answered). */
  outageSeconds: number;
  /** Seconds from injection until the pipeline was caught up again (null: never within the run). */
  recoverySeconds: number | null;
  peakLag: number | null;
  peakUnpublished: number | null;
  /** The pipeline caught up only after traffic had stopped (during the drain). */
  recoveredAfterTrafficStopped?: boolean;
  note?: string;
}

export interface RunResult {
  scenario: string;
  title: string;
  run: number;
  startedAt: string;
  verdict: Verdict | null;
  ok: boolean;
  faults: FaultResult[];
  /** Seconds from stopping traffic until nothing was left to publish or apply. */
  drainSeconds: number | null;
  /** When it did not drain: what was still pending when the run gave up. */
  undrained?: { unpublished: number; unapplied: number };
  ordersPerSecond: number | null;
  eventsPerSecond: number | null;
  /** Caught-up limits used for recovery times. */
  limits: { maxLag: number; maxUnpublishedAgeSeconds: number; lagBeforeFaults?: number } | null;
  workerStarts: Record<string, number>;
  /** Problems found by the faults' own checks (FaultContext.addCheck); any fails the run. */
  scenarioProblems?: string[];
  error?: string;
  logDir: string;
  loadAverage: number[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function retry<T>(what: string, fn: () => Promise<T>, timeoutMs: number, log: (l: string) => void): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what}: ${(error as Error).message}`);
      log(`${what} failed (${(error as Error).message.split('\n')[0]}); retrying`);
      await sleep(1_000);
    }
  }
}

/** Outbox events each consumer should have applied or dead-lettered and has not yet (plus unpublished rows). */
async function pending(sys: DemoSystem): Promise<{ unpublished: number; unapplied: number }> {
  const db = sys.newDb(1);
  try {
    const names = demoDefinitions.map((d) => d.name);
    const handles = demoDefinitions.map((d) => d.handles.join(','));
    const [row] = await db.$queryRaw<Array<{ unpublished: number; unapplied: number }>>`
      WITH c AS (SELECT name, string_to_array(handles, ',') AS handles FROM unnest(${names}::text[], ${handles}::text[]) AS t(name, handles))
      SELECT (SELECT count(*) FROM outbox_events WHERE published_at IS NULL)::int AS unpublished,
             (SELECT count(*) FROM outbox_events o JOIN c ON o.type = ANY(c.handles)
               WHERE o.topic = ${ORDERS_TOPIC}
                 AND NOT EXISTS (SELECT 1 FROM consumer_inbox i WHERE i.consumer = c.name AND i.event_id = o.event_id)
                 AND NOT EXISTS (SELECT 1 FROM dlq_messages d WHERE d.consumer = c.name AND d.event_id = o.event_id))::int AS unapplied`;
    return row!;
  } finally {
    await db.$disconnect();
  }
}

async function trafficFigures(sys: DemoSystem, from: Date, to: Date): Promise<{ orders: number; events: number }> {
  const db = sys.newDb(1);
  try {
    const [row] = await db.$queryRaw<Array<{ orders: number; events: number }>>`
      SELECT (count(*) FILTER (WHERE type = 'orders.OrderPlaced'))::int AS orders, count(*)::int AS events
        FROM outbox_events WHERE created_at >= ${from} AND created_at < ${to}`;
    return row!;
  } finally {
    await db.$disconnect();
  }
}

function peak(samples: readonly Sample[], from: number, to: number, pick: (s: Sample) => number | null): number | null {
  const values = samples.filter((s) => s.at >= from && s.at <= to).map(pick).filter((v): v is number => v !== null);
  return values.length ? Math.max(...values) : null;
}

let current: DemoSystem | undefined;
/** Stops the system of the run under way, if any (Ctrl-C: the cluster and broker run as daemons and would outlive the script). */
export async function stopCurrentRun(): Promise<void> {
  const sys = current;
  current = undefined;
  await sys?.stop();
}

/** For a failed run: every row about the events its problems name (inbox, attempts, dead letters, outbox), kept next to the logs. */
async function writeEvidence(db: Db, verdict: Verdict, logDir: string): Promise<void> {
  const ids = [...new Set(verdict.problems.flatMap((p) => p.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g) ?? []))].slice(0, 50);
  if (ids.length === 0) return;
  const rows = async (sql: string) => db.$queryRawUnsafe<unknown[]>(sql, ids);
  const evidence = {
    outbox: await rows(`SELECT position::text, event_id, type, subject, causation_id, created_at, published_at, partition, "offset"::text, publish_attempts FROM outbox_events WHERE event_id = ANY($1::uuid[]) OR subject = ANY($1::text[])`),
    inbox: await rows(`SELECT consumer, event_id, processed_at, topic, partition, "offset"::text FROM consumer_inbox WHERE event_id = ANY($1::uuid[])`),
    attempts: await rows(`SELECT consumer, event_id, topic, partition, "offset"::text, attempt, outcome, error_class, error_message, at FROM consumer_attempts WHERE event_id = ANY($1::uuid[]) ORDER BY at`),
    deadLetters: await rows(`SELECT id, consumer, event_id, topic, partition, "offset"::text, status, error_code, error_message, attempt_count, first_failed_at, last_failed_at FROM dlq_messages WHERE event_id = ANY($1::uuid[])`),
  };
  writeFileSync(path.join(logDir, 'evidence.json'), JSON.stringify(evidence, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2));
}

export async function runScenario(
  scenario: Scenario,
  run: number,
  options: { logRoot: string; log: (line: string) => void; drainTimeoutMs?: number },
): Promise<RunResult> {
  const logDir = path.join(options.logRoot, `${scenario.id}-run${run}`);
  const startedAt = new Date().toISOString();
  const log = (line: string) => options.log(`[${scenario.id} #${run}] ${line}`);
  const result: RunResult = {
    scenario: scenario.id,
    title: scenario.title,
    run,
    startedAt,
    verdict: null,
    ok: false,
    faults: [],
    drainSeconds: null,
    ordersPerSecond: null,
    eventsPerSecond: null,
    limits: null,
    workerStarts: {},
    logDir,
    loadAverage: [],
  };
  let sys: DemoSystem | undefined;
  let monitor: Monitor | undefined;
  try {
    sys = await startDemoSystem({
      label: scenario.id,
      logDir,
      workers: scenario.workers ?? ['relay', 'consumers', 'orders-api', 'traffic'],
      instances: scenario.instances,
      env: scenario.env,
      // Traffic off until every group has joined (on a loaded machine the consumers could not catch up with
      // traffic that ran while they were still starting: runs failed their warm-up); on at the start of measurement.
      knobs: { ...scenario.knobs, ratePerSecond: 0 },
      log,
    });
    const system = sys;
    current = sys;
    monitor = startMonitor({ url: sys.url, brokers: sys.kafka.brokers });
    const mon = monitor;
    // Warm-up, without traffic: every group has a member and the pipeline is caught up.
    const warm = { maxLag: Math.max(100, scenario.rate * 10), maxUnpublishedAgeSeconds: 3 };
    const warmDeadline = Date.now() + 180_000;
    let streak = 0;
    while (streak < 3) {
      if (Date.now() > warmDeadline) throw new Error(`the pipeline did not catch up within 180 s of starting (last sample ${JSON.stringify(mon.latest())})`);
      await sleep(1_000);
      const s = mon.latest();
      const joined = s?.lag && Object.keys(s.lag).length === demoDefinitions.length && s.members && Object.values(s.members).every((n) => n > 0);
      streak = s && joined && caughtUp(s, warm) ? streak + 1 : 0;
    }
    await retry('starting traffic (rate knob)', () => system.setKnobs({ ratePerSecond: scenario.knobs?.ratePerSecond ?? scenario.rate }), 60_000, log);
    const t0 = Date.now();
    const trafficFrom = new Date(t0);
    log(`pipeline caught up; traffic at ${scenario.rate} orders/s for ${scenario.trafficSeconds} s`);

    const checks: Array<{ fault: number; check: ScenarioCheck }> = [];
    const injected: Array<{ step: FaultStep; at: number; back: number; note?: string }> = [];
    for (const step of scenario.faults) {
      const wait = t0 + step.atSeconds * 1000 - Date.now();
      if (wait > 0) await sleep(wait);
      const at = Date.now();
      log(`fault: ${step.label}`);
      const fault = injected.length;
      const ctx: FaultContext = { sys: system, monitor: mon, log, trafficStartedAt: t0, addCheck: (check) => void checks.push({ fault, check }) };
      const note = await step.inject(ctx);
      const back = Date.now();
      log(`fault: ${step.label}: back after ${((back - at) / 1000).toFixed(1)} s${note ? ` (${note})` : ''}`);
      injected.push({ step, at, back, note: note || undefined });
    }
    const endWait = t0 + scenario.trafficSeconds * 1000 - Date.now();
    if (endWait > 0) await sleep(endWait);
    await retry('stopping traffic (rate knob 0)', () => system.setKnobs({ ratePerSecond: 0, poisonShare: 0 }), 120_000, log);
    const stoppedAt = Date.now();
    log('traffic stopped; waiting for the system to drain');

    const drainDeadline = stoppedAt + (options.drainTimeoutMs ?? 420_000);
    let last = { unpublished: -1, unapplied: -1 };
    let clean = 0;
    // Gives up early when nothing has moved for 90 s (something is stuck or lost; the checks say what).
    let lastChange = Date.now();
    while (clean < 2) {
      if (Date.now() > drainDeadline || Date.now() - lastChange > 90_000) {
        log(`not drained after ${((Date.now() - stoppedAt) / 1000).toFixed(0)} s: ${JSON.stringify(last)}`);
        break;
      }
      await sleep(2_000);
      const now = await pending(system).catch(() => ({ unpublished: -1, unapplied: -1 }));
      if (JSON.stringify(now) !== JSON.stringify(last)) lastChange = Date.now();
      last = now;
      clean = last.unpublished === 0 && last.unapplied === 0 ? clean + 1 : 0;
    }
    if (clean >= 2) result.drainSeconds = (Date.now() - stoppedAt) / 1000;
    else result.undrained = last;
    // Let the last offsets be committed (autocommit each second), for the final lag figure.
    await sleep(3_000);

    const traffic = await trafficFigures(system, trafficFrom, new Date(stoppedAt));
    const seconds = (stoppedAt - t0) / 1000;
    result.ordersPerSecond = traffic.orders / seconds;
    result.eventsPerSecond = traffic.events / seconds;
    // Caught up: the oldest unpublished row younger than 2 s and no group further behind than before the
    // first fault (its largest lag then), or than 2 s of traffic, whichever is more.
    const firstFault = injected[0]?.at ?? stoppedAt;
    const before = peak(mon.samples, t0, firstFault, maxLag) ?? 0;
    const limits = { maxLag: Math.max(50, Math.ceil(result.eventsPerSecond * 2), before), maxUnpublishedAgeSeconds: 2, lagBeforeFaults: before };
    result.limits = limits;
    writeFileSync(path.join(logDir, 'samples.json'), JSON.stringify(mon.samples));
    for (let i = 0; i < injected.length; i++) {
      const f = injected[i]!;
      // Until the next fault; the last one's recovery may run on into the drain after traffic stopped.
      const until = injected[i + 1]?.at ?? Date.now();
      const recovered = recoveredAt(mon.samples.filter((s) => s.at <= until + 1_000), f.back, limits);
      result.faults.push({
        label: f.step.label,
        injectedAtSeconds: (f.at - t0) / 1000,
        outageSeconds: (f.back - f.at) / 1000,
        recoverySeconds: recovered === null ? null : (recovered - f.at) / 1000,
        recoveredAfterTrafficStopped: recovered !== null && recovered > stoppedAt,
        peakLag: peak(mon.samples, f.at, until, maxLag),
        peakUnpublished: peak(mon.samples, f.at, until, (s) => s.unpublished),
        note: f.note,
      });
    }
    await mon.stop();
    monitor = undefined;

    // Judged with every worker stopped: counts taken while consumers still write would disagree with each other.
    for (const [name, w] of system.workers) result.workerStarts[name] = w.starts();
    await system.stopWorkers();
    const db = system.newDb(4);
    try {
      result.verdict = await judgeRun(db, system.kafka.brokers);
      result.scenarioProblems = [];
      for (const { fault, check } of checks) {
        const outcome = await check(db);
        const f = result.faults[fault];
        if (f) f.note = `${f.note ? `${f.note}; ` : ''}after the run: ${outcome.summary}`;
        result.scenarioProblems.push(...outcome.problems);
        result.verdict.problems.unshift(...outcome.problems);
      }
      if (!passed(result.verdict) || result.scenarioProblems.length) await writeEvidence(db, result.verdict, logDir).catch((e: unknown) => log(`evidence: ${String(e)}`));
    } finally {
      await db.$disconnect();
    }
    result.ok = passed(result.verdict) && result.scenarioProblems.length === 0 && result.drainSeconds !== null;
    log(`verdict: ${result.ok ? 'PASS' : 'FAIL'} ${JSON.stringify({ ...result.verdict, problems: result.verdict.problems.slice(0, 5) })}`);
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
    log(`run failed: ${result.error}`);
  } finally {
    await monitor?.stop().catch(() => undefined);
    if (sys && Object.keys(result.workerStarts).length === 0) for (const [name, w] of sys.workers) result.workerStarts[name] = w.starts();
    if (current === sys) current = undefined;
    await sys?.stop();
    const { loadavg } = await import('node:os');
    result.loadAverage = loadavg().map((n) => Number(n.toFixed(2)));
  }
  return result;
}
