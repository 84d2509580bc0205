// Outbox relay: sustained throughput draining a backlog, and commit→publish
// latency at a fixed offered load of 1,000 events/s (open loop), against plain
// kafkajs batched produce of the same payloads. 12 partitions, 256 B – 1 KB,
// synchronous_commit on.
//
// The relay runs as its own process, as deployed (workers/outbox-relay, started with
// `node --import tsx`, default settings unless RELAY_* variables are set); this process
// only writes (Prisma transactions through the outbox writer), measures, and runs the
// raw kafkajs baseline. One relay process, warmed up first, serves both phases. Other
// load on the machine skews every figure: the load average is printed before and after.
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Partitioners } from 'kafkajs';
import { createDb } from '../lib/adapters/prisma/client';
import { createOutboxWriter, OUTBOX_CHANNEL } from '../lib/adapters/outbox/outbox-writer';
import { RELAY_LANE_LOCK } from '../lib/adapters/outbox/relay-store';
import { buildEnvelope } from '../lib/domain/events/envelope';
import { LANE_COUNT } from '../lib/domain/lanes';
import { createTestDatabase } from '../tests/support/database';
import { benchEvent, brokers, createBenchTopic, PARTITIONS, percentile, round } from './support';

const BACKLOG = Number(process.env.BENCH_EVENTS ?? 100_000);
const OFFERED_PER_S = 1_000;
const EVENTS_PER_TX = 5;
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 30);
const WARMUP_EVENTS = 5_000;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const database = await createTestDatabase('bench_relay');
const db = createDb(database.url, { poolSize: 8 });
const pool = new pg.Pool({ connectionString: database.url, max: 2 });
pool.on('error', () => {}); // a socket still closing after end() when drop() forces the database away
const { kafka, topic, cleanup } = await createBenchTopic('relay');
const writer = createOutboxWriter({ source: '/bench', topicFor: () => topic });
let relay: RelayProcess | undefined;

async function writeEvents(total: number, perTx: number, from = 0): Promise<void> {
  for (let n = 0; n < total; n += perTx) {
    const count = Math.min(perTx, total - n);
    await db.$transaction((tx) =>
      writer.append(
        tx,
        Array.from({ length: count }, (_, i) => benchEvent(from + n + i)),
      ),
    );
  }
}

async function unpublished(): Promise<boolean> {
  const { rows } = await pool.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM outbox_events WHERE published_at IS NULL) AS any');
  return rows[0]!.any;
}

async function waitDrained(what: string, timeoutMs: number, intervalMs: number): Promise<void> {
  const start = performance.now();
  while (await unpublished()) {
    relay?.assertAlive();
    if (performance.now() - start > timeoutMs) throw new Error(`${what}: outbox not drained within ${timeoutMs / 1000} s`);
    await sleep(intervalMs);
  }
}

try {
  const syncCommit = (await pool.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]!.synchronous_commit;
  const load = loadavg().map((l) => round(l, 2));
  console.log(`machine load average before the run (1/5/15 min): ${load.join(' / ')}`);

  // 1. Raw baseline: plain kafkajs in this process, idempotent producer, acks=all, batches of 1,000.
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const rawMessages = Array.from({ length: BACKLOG }, (_, n) => {
    const e = benchEvent(n);
    const env = buildEnvelope(e, {
      id: crypto.randomUUID(),
      time: new Date(),
      source: '/bench',
      traceId: 'ab'.repeat(16),
      traceparent: `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01`,
    });
    return { key: e.subject, value: JSON.stringify(env) };
  });
  const sizes = rawMessages.map((m) => Buffer.byteLength(m.value)).sort((a, b) => a - b);
  const meanBytes = Math.round(sizes.reduce((s, n) => s + n, 0) / BACKLOG);
  const rawStart = performance.now();
  for (let i = 0; i < BACKLOG; i += 1_000) await producer.send({ topic, acks: -1, messages: rawMessages.slice(i, i + 1_000) });
  const rawRate = BACKLOG / ((performance.now() - rawStart) / 1000);
  await producer.disconnect();
  rawMessages.length = 0;
  console.log(
    `raw kafkajs batched produce (this process, batches of 1,000): ${round(rawRate, 0)} events/s (${BACKLOG} events, ${sizes[0]}–${sizes.at(-1)} B, mean ${meanBytes} B)`,
  );

  // 2. The relay process, warmed up: it connects, JIT-compiles and publishes a first load.
  relay = startRelayProcess({ DATABASE_URL: database.url, KAFKA_BROKERS: brokers.join(','), LOG_LEVEL: 'warn' });
  console.log(
    `relay: separate process (pid ${relay.child.pid}): node --import tsx workers/outbox-relay/index.ts, default RELAY_* settings${relaySettings()}`,
  );
  await writeEvents(WARMUP_EVENTS, 100, 10_000_000);
  await waitDrained('warm-up', 60_000, 50);

  // 3. Sustained throughput: a committed backlog, released to the running relay at once.
  //    While it is written, this session holds every lane's advisory lock (the relay
  //    skips lanes it cannot lock), so the relay sees the whole backlog at the start.
  const gate = new pg.Client({ connectionString: database.url });
  await gate.connect();
  await gate.query('SELECT pg_advisory_lock($1::int, lane) FROM generate_series(0, $2::int - 1) AS lane', [RELAY_LANE_LOCK, LANE_COUNT]);
  const writeStart = performance.now();
  await writeEvents(BACKLOG, 1_000);
  const writeSeconds = (performance.now() - writeStart) / 1000;
  const drainStart = performance.now();
  await gate.query('SELECT pg_advisory_unlock_all()');
  await gate.query(`SELECT pg_notify($1, '')`, [OUTBOX_CHANNEL]);
  await gate.end();
  await waitDrained('sustained', 120_000, 10);
  const drainRate = BACKLOG / ((performance.now() - drainStart) / 1000);
  console.log(
    `relay sustained (draining ${BACKLOG} committed events, written in ${round(writeSeconds)} s): ${round(drainRate, 0)} events/s, ${round(drainRate / rawRate, 2)}× raw kafkajs`,
  );

  // 4. Latency at 1,000 events/s offered, open loop: 5 events per transaction every 5 ms,
  //    scheduled by the clock (a late tick does not delay the next ones). Commit time =
  //    when this process sees the commit acknowledged; publish time = the relay's
  //    published_at (its clock after Kafka's acknowledgement, ms resolution).
  const commits = new Map<string, number>();
  const ticks = (LATENCY_SECONDS * OFFERED_PER_S) / EVENTS_PER_TX;
  const lag = monitorEventLoopDelay({ resolution: 1 });
  lag.enable();
  const t0 = performance.now();
  const wallOffset = Date.now() - t0;
  const inFlight: Promise<void>[] = [];
  for (let tick = 0; tick < ticks; tick++) {
    const due = t0 + (tick * 1000 * EVENTS_PER_TX) / OFFERED_PER_S;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(
      db
        .$transaction((tx) =>
          writer.append(
            tx,
            Array.from({ length: EVENTS_PER_TX }, (_, i) => benchEvent(tick * EVENTS_PER_TX + i)),
          ),
        )
        .then((envs) => {
          const committed = performance.now() + wallOffset;
          for (const e of envs) commits.set(e.id, committed);
        }),
    );
  }
  await Promise.all(inFlight);
  const offeredSeconds = (performance.now() - t0) / 1000;
  lag.disable();
  await waitDrained('latency', 60_000, 50);
  const { rows } = await pool.query<{ event_id: string; published_ms: string }>(
    `SELECT event_id::text, (extract(epoch FROM published_at) * 1000)::text AS published_ms FROM outbox_events WHERE event_id = ANY($1::uuid[])`,
    [[...commits.keys()]],
  );
  if (rows.length !== commits.size) throw new Error(`latency: ${commits.size} events committed, ${rows.length} found`);
  const latencies = rows.map((r) => Number(r.published_ms) - commits.get(r.event_id)!).sort((a, b) => a - b);
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  const lagP99 = lag.percentile(99) / 1e6;
  console.log(
    `offered ${round(commits.size / offeredSeconds, 0)} events/s for ${round(offeredSeconds, 1)} s (${commits.size} events in ${ticks} transactions of ${EVENTS_PER_TX})`,
  );
  console.log(
    `commit→publish latency: p50 ${round(p50)} ms, p90 ${round(percentile(latencies, 90))} ms, p99 ${round(p99)} ms, p99.9 ${round(percentile(latencies, 99.9))} ms, max ${round(latencies.at(-1) ?? NaN)} ms`,
  );
  console.log(
    `writer process event-loop delay meanwhile (bounds how late a commit is seen): p50 ${round(lag.percentile(50) / 1e6)} ms, p99 ${round(lagP99)} ms`,
  );

  const stopped = await relay.stop();
  relay = undefined;
  if (stopped.code !== 0) throw new Error(`the relay process exited with ${stopped.code ?? stopped.signal} on SIGTERM`);
  console.log(`synchronous_commit=${syncCommit}, ${PARTITIONS} partitions, relay stopped cleanly (SIGTERM, exit 0)`);
  console.log(
    `machine load average after the run (1/5/15 min): ${loadavg()
      .map((l) => round(l, 2))
      .join(' / ')}`,
  );
  console.log(
    JSON.stringify({
      bench: 'relay',
      events_per_s: Math.round(drainRate),
      raw_events_per_s: Math.round(rawRate),
      p50_ms: round(p50),
      p99_ms: round(p99),
      ratio_to_raw: round(drainRate / rawRate, 3),
      offered_events_per_s: OFFERED_PER_S,
      events: BACKLOG,
      latency_events: commits.size,
      relay_process: 'separate',
      synchronous_commit: syncCommit,
      loadavg_1m: load[0],
    }),
  );
} finally {
  await relay?.stop().catch(() => undefined);
  await cleanup();
  await db.$disconnect();
  await pool.end();
  await database.drop();
}

interface RelayProcess {
  child: ChildProcess;
  /** Throws if the process has exited. */
  assertAlive(): void;
  /** SIGTERM, then SIGKILL after 10 s. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function relaySettings(): string {
  const set = Object.entries(process.env).filter(([k]) => k.startsWith('RELAY_'));
  return set.length === 0 ? '' : ` except ${set.map(([k, v]) => `${k}=${v}`).join(' ')}`;
}

// One node process (no npx/tsx wrapper): its own event loop, as in production.
function startRelayProcess(env: Record<string, string>): RelayProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/outbox-relay/index.ts'], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  child.stderr!.on('data', (d: Buffer) => {
    for (const line of d.toString().split('\n')) {
      // kafkajs warns once that a bounded retry count "may invalidate EoS" (we use no transactions).
      if (line && !line.includes('Limiting retries for the idempotent producer')) console.error(`[relay] ${line}`);
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void exited.then((e) => (exit = e));
  return {
    child,
    assertAlive() {
      if (exit) throw new Error(`the relay process exited (${exit.code ?? exit.signal})`);
    },
    async stop() {
      if (!exit) {
        child.kill('SIGTERM');
        const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(kill);
      }
      return exited;
    },
  };
}
