// Where the demo pipeline's ceiling is (issue #12: the fault runs need ≥ 500 events/s):
// the CPU each stage spends per order or event, stage by stage, on a PostgreSQL cluster
// and a Kafka broker of its own (tests/faults/demo-system.ts; never 5432 or 9092).
// CPU time (utime + stime of the process tree, from /proc) does not depend much on how
// loaded the machine is, unlike a wall-clock rate; a stage's ceiling on this machine is
// (cores × 1000 ms/s) / (CPU ms per unit of every process it keeps busy). The broker's
// idle CPU (measured first) is subtracted.
//   1. the traffic generator alone at the knob's maximum (200 orders/s): per order;
//   2. the relay alone over the backlog it left: per published event;
//   3. the projections (order-summary, customer-stats) over the topic, the relay running: per inbox row;
//   4. the side-effecting consumers (payments, shipping, notifications, order-saga), the relay
//      publishing their follow-ups, with the demo's default failure knobs (5 % transient, 1 % permanent,
//      as in the fault runs): per inbox row.
// Workers run niced (+10) as separate processes, as deployed.
//   nice -n 10 npx tsx bench/pipeline-cpu.ts     [PIPELINE_TRAFFIC_SECONDS=60] [PIPELINE_CPU_PROFILE=1]
// PIPELINE_CPU_PROFILE=1 writes a V8 CPU profile of the side-effecting consumers to .data/pipeline-cpu/.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKafka, ensureTopics } from '../lib/adapters/kafka/kafka-client';
import { demoTopics } from '../lib/demo/topics';
import { startDemoSystem } from '../tests/faults/demo-system';
import { log } from './support';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TRAFFIC_SECONDS = Number(process.env.PIPELINE_TRAFFIC_SECONDS ?? 60);
const PROFILE = process.env.PIPELINE_CPU_PROFILE === '1';
const TICK_MS = 10; // USER_HZ 100
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const load = () => loadavg().map((n) => n.toFixed(2)).join(' ');

/** CPU milliseconds of every process, and each one's parent. */
function processTable(): Map<number, { ppid: number; cpuMs: number }> {
  const table = new Map<number, { ppid: number; cpuMs: number }>();
  for (const entry of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const text = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      // utime, stime, cutime, cstime (fields 14-17 of proc(5))
      table.set(Number(entry), { ppid: Number(fields[1]), cpuMs: (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * TICK_MS });
    } catch {
      // the process ended meanwhile
    }
  }
  return table;
}

function treeCpuMs(table: Map<number, { ppid: number; cpuMs: number }>, rootPid: number | null | undefined): number {
  if (!rootPid) return 0;
  let total = 0;
  const stack = [rootPid];
  while (stack.length) {
    const pid = stack.pop()!;
    total += table.get(pid)?.cpuMs ?? 0;
    for (const [child, p] of table) if (p.ppid === pid) stack.push(child);
  }
  return total;
}

const system = await startDemoSystem({ label: 'pipeline-cpu', logDir: path.join(root, '.data', 'pipeline-cpu', 'logs'), workers: [], knobs: { ratePerSecond: 0, poisonShare: 0 }, log });
const db = system.newDb(2);
const count = async (sql: string) => Number(((await db.$queryRawUnsafe(sql)) as Array<{ n: bigint }>)[0]!.n);
const postmaster = Number(readFileSync(path.join(system.pg.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
const workers = new Map<string, ChildProcess>();
const workerEnv: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production', DATABASE_URL: system.url, KAFKA_BROKERS: system.kafka.brokers.join(','), KAFKAJS_NO_PARTITIONER_WARNING: '1', LOG_LEVEL: 'warn' };
const idleMsPerSecond: Record<string, number> = { postgres: 0, kafka: 0 };

function startWorker(name: string, file: string, env: Record<string, string> = {}, nodeArgs: string[] = []): void {
  workers.set(name, spawn('nice', ['-n', '10', process.execPath, ...nodeArgs, '--import', 'tsx', file], { cwd: root, env: { ...workerEnv, ...env }, stdio: ['ignore', 'ignore', 'inherit'] }));
}

async function stopWorker(name: string): Promise<void> {
  const child = workers.get(name)!;
  child.kill('SIGTERM');
  for (let i = 0; i < 150 && child.exitCode === null && child.signalCode === null; i++) await sleep(100);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  workers.delete(name);
}

function cpuSnapshot(): Record<string, number> {
  const table = processTable();
  return { postgres: treeCpuMs(table, postmaster), kafka: treeCpuMs(table, system.kafka.pid()), ...Object.fromEntries([...workers].map(([name, c]) => [name, treeCpuMs(table, c.pid)])) };
}

/** Units done (by `unitSql`) and CPU ms per unit per process tree, for `seconds` or until `doneSql` counts 0. */
async function measure(label: string, unitSql: string, seconds: number, doneSql?: string, stopWhenIdle = false) {
  const before = await count(unitSql);
  const cpuBefore = cpuSnapshot();
  const started = Date.now();
  let last = before;
  let idle = 0;
  while (Date.now() - started < seconds * 1000) {
    await sleep(1000);
    if (doneSql && (await count(doneSql)) === 0) break;
    if (stopWhenIdle) {
      const now = await count(unitSql);
      idle = now === last ? idle + 1 : 0;
      last = now;
      if (idle >= 2) break; // the backlog is done
    }
  }
  const units = (await count(unitSql)) - before;
  const cpuAfter = cpuSnapshot();
  const elapsed = (Date.now() - started) / 1000;
  const perUnit = Object.fromEntries(Object.keys(cpuAfter).map((k) => [k, units ? Math.max(0, cpuAfter[k]! - (cpuBefore[k] ?? 0) - (idleMsPerSecond[k] ?? 0) * elapsed) / units : NaN]));
  const total = Object.values(perUnit).reduce((a, b) => a + b, 0);
  const ceiling = (cpus().length * 1000) / total;
  log(`${label}: ${units} in ${elapsed.toFixed(1)} s (${(units / elapsed).toFixed(1)}/s wall); CPU ms per unit: ${Object.entries(perUnit).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}; total ${total.toFixed(2)} → ceiling on ${cpus().length} cores ${ceiling.toFixed(0)}/s; load ${load()}`);
  return { units, seconds: elapsed, perUnit, totalMs: total, ceilingPerSecond: ceiling, load: loadavg() };
}

let stopped: Promise<void> | undefined;
/** Once, whether a signal or the end of the run asks first. */
function stopEverything(): Promise<void> {
  stopped ??= (async () => {
    for (const child of workers.values()) if (child.exitCode === null) child.kill('SIGKILL');
    await db.$disconnect();
    await system.stop();
  })();
  return stopped;
}

// Interrupted (Ctrl-C, a CI timeout, a kill of the parent's group): the workers, the cluster
// and the broker go with the bench instead of running on and taking the machine's CPU.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    console.error(`pipeline-cpu: ${signal}; stopping its workers, broker and cluster`);
    void stopEverything().finally(() => process.exit(130));
  });
}

const results: Record<string, unknown> = {};
try {
  const idleBefore = cpuSnapshot();
  await sleep(10_000);
  const idleAfter = cpuSnapshot();
  for (const k of ['postgres', 'kafka']) idleMsPerSecond[k] = (idleAfter[k]! - idleBefore[k]!) / 10;
  log(`idle CPU ms/s: postgres ${idleMsPerSecond.postgres}, kafka ${idleMsPerSecond.kafka}; load ${load()}`);

  startWorker('traffic', 'workers/traffic-generator/index.ts');
  await sleep(10_000);
  await system.setKnobs({ ratePerSecond: 200, poisonShare: 0 });
  await sleep(3_000);
  results.perOrderPlaced = await measure('traffic generator (per order placed)', 'SELECT count(*) n FROM orders', TRAFFIC_SECONDS);
  await system.setKnobs({ ratePerSecond: 0 });
  await sleep(2_000);
  await stopWorker('traffic');
  // The consumers create the topics; the relay alone must find them.
  const admin = createKafka({ brokers: system.kafka.brokers, clientId: 'pipeline-cpu' }).admin();
  await admin.connect();
  await ensureTopics(admin, demoTopics(6));
  await admin.disconnect();

  startWorker('relay', 'workers/outbox-relay/index.ts');
  while ((await count('SELECT count(*) n FROM outbox_events WHERE published_at IS NOT NULL')) === 0) await sleep(200);
  results.perEventPublished = await measure('relay (per event published)', 'SELECT count(*) n FROM outbox_events WHERE published_at IS NOT NULL', 120, 'SELECT count(*) n FROM outbox_events WHERE published_at IS NULL');

  const phases = [
    ['projections', 'order-summary,customer-stats', 40],
    ['side-effecting consumers', 'payments,shipping,notifications,order-saga', 70],
  ] as const;
  for (const [label, names, seconds] of phases) {
    const profile = PROFILE && label !== 'projections' ? ['--cpu-prof', `--cpu-prof-dir=${path.join(root, '.data', 'pipeline-cpu')}`] : [];
    startWorker('consumers', 'workers/demo-consumers/index.ts', { CONSUMERS: names }, profile);
    const unitSql = `SELECT count(*) n FROM consumer_inbox WHERE consumer = ANY('{${names}}'::text[])`;
    if (label === 'projections') {
      // They finish the backlog in seconds: measured from their first row until nothing moves.
      for (let waited = 0; waited < 120_000 && (await count(unitSql)) === 0; waited += 100) await sleep(100);
      results[label] = await measure(`${label} + relay for their follow-ups (per inbox row)`, unitSql, seconds, undefined, true);
    } else {
      await sleep(15_000);
      results[label] = await measure(`${label} + relay for their follow-ups (per inbox row)`, unitSql, seconds);
    }
    await stopWorker('consumers');
  }
  const rows = (await db.$queryRawUnsafe(`SELECT consumer, count(*)::int n FROM consumer_inbox GROUP BY 1 ORDER BY 1`)) as Array<{ consumer: string; n: number }>;
  const orders = await count('SELECT count(*) n FROM orders');
  log(`inbox rows per consumer: ${rows.map((r) => `${r.consumer} ${r.n}`).join(', ')}; orders ${orders}; outbox events ${await count('SELECT count(*) n FROM outbox_events')}`);
  console.log(JSON.stringify({ ...results, inboxRows: rows, orders }));
} finally {
  await stopEverything();
}
