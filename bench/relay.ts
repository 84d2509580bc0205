// Outbox relay: sustained throughput draining a backlog, and commit→publish
// latency at a fixed offered load of 1,000 events/s (open loop), against plain
// kafkajs batched produce of the same payloads. 12 partitions, 256 B – 1 KB,
// synchronous_commit on.
import pg from 'pg';
import { Partitioners } from 'kafkajs';
import { createDb } from '../lib/adapters/prisma/client';
import { createOutboxWriter } from '../lib/adapters/outbox/outbox-writer';
import { createRelay } from '../lib/adapters/outbox/relay';
import { buildEnvelope } from '../lib/domain/events/envelope';
import { createTestDatabase } from '../tests/support/database';
import { benchEvent, createBenchTopic, percentile, round } from './support';

const BACKLOG = Number(process.env.BENCH_EVENTS ?? 60_000);
const OFFERED_PER_S = 1_000;
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 20);
const quiet = { info: () => {}, warn: (l: string) => console.warn(l), error: (l: string) => console.error(l) };

const database = await createTestDatabase('bench_relay');
const db = createDb(database.url, { poolSize: 8 });
const pool = new pg.Pool({ connectionString: database.url, max: 4 });
const { kafka, topic, cleanup } = await createBenchTopic('relay');
const writer = createOutboxWriter({ source: '/bench', topicFor: () => topic });
try {
  const syncCommit = (await pool.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]!.synchronous_commit;

  // 1. Raw baseline: plain kafkajs, idempotent producer, acks=all, batches of 1,000.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const rawMessages = Array.from({ length: BACKLOG }, (_, n) => {
    const e = benchEvent(n);
    const env = buildEnvelope(e, { id: crypto.randomUUID(), time: new Date(), source: '/bench', traceId: 'ab'.repeat(16), traceparent: `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01` });
    return { key: e.subject, value: JSON.stringify(env) };
  });
  const meanBytes = Math.round(rawMessages.reduce((s, m) => s + m.value.length, 0) / BACKLOG);
  const rawStart = performance.now();
  for (let i = 0; i < BACKLOG; i += 1_000) await producer.send({ topic, acks: -1, messages: rawMessages.slice(i, i + 1_000) });
  const rawRate = BACKLOG / ((performance.now() - rawStart) / 1000);
  await producer.disconnect();
  console.log(`raw kafkajs batched produce: ${round(rawRate, 0)} events/s (${BACKLOG} events, mean ${meanBytes} B)`);

  // 2. Sustained throughput: the relay drains a committed backlog.
  for (let n = 0; n < BACKLOG; n += 1_000) {
    await db.$transaction((tx) => writer.append(tx, Array.from({ length: 1_000 }, (_, i) => benchEvent(n + i))));
  }
  const relay = createRelay({ pool, kafka, batchSize: Number(process.env.RELAY_BATCH_SIZE ?? 1_000), pollMs: 20, logger: quiet });
  const drainStart = performance.now();
  relay.start();
  for (;;) {
    const { rows } = await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM outbox_events WHERE published_at IS NULL');
    if (rows[0]!.n === '0') break;
    if (performance.now() - drainStart > 120_000) throw new Error(`backlog not drained in 120 s (${rows[0]!.n} left)`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const drainRate = BACKLOG / ((performance.now() - drainStart) / 1000);
  console.log(`relay sustained (draining ${BACKLOG}): ${round(drainRate, 0)} events/s`);

  // 3. Latency at 1,000 events/s offered, open loop: 5 events per transaction every 5 ms,
  //    scheduled by the clock (a late tick does not delay the next ones).
  const commits = new Map<string, number>();
  const ticks = (LATENCY_SECONDS * OFFERED_PER_S) / 5;
  const t0 = performance.now();
  const wallOffset = Date.now() - t0;
  const inFlight: Promise<void>[] = [];
  for (let tick = 0; tick < ticks; tick++) {
    const due = t0 + tick * 5;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(
      db.$transaction((tx) => writer.append(tx, Array.from({ length: 5 }, (_, i) => benchEvent(tick * 5 + i)))).then((envs) => {
        const committed = performance.now() + wallOffset;
        for (const e of envs) commits.set(e.id, committed);
      }),
    );
  }
  await Promise.all(inFlight);
  const offeredSeconds = (performance.now() - t0) / 1000;
  for (;;) {
    const { rows } = await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM outbox_events WHERE published_at IS NULL');
    if (rows[0]!.n === '0') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await relay.stop();
  const { rows } = await pool.query<{ event_id: string; published_ms: string }>(
    `SELECT event_id::text, (extract(epoch FROM published_at) * 1000)::text AS published_ms FROM outbox_events WHERE event_id = ANY($1::uuid[])`,
    [[...commits.keys()]],
  );
  const latencies = rows.map((r) => Math.max(0, Number(r.published_ms) - commits.get(r.event_id)!)).sort((a, b) => a - b);
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  console.log(`offered ${round(commits.size / offeredSeconds, 0)} events/s for ${round(offeredSeconds, 1)} s (${commits.size} events)`);
  console.log(`commit→publish latency: p50 ${round(p50)} ms, p99 ${round(p99)} ms, max ${round(latencies.at(-1) ?? NaN)} ms`);
  console.log(`synchronous_commit=${syncCommit}, 12 partitions`);
  console.log(JSON.stringify({ bench: 'relay', events_per_s: Math.round(drainRate), raw_events_per_s: Math.round(rawRate), p50_ms: round(p50), p99_ms: round(p99), offered_events_per_s: OFFERED_PER_S, events: BACKLOG, synchronous_commit: syncCommit }));
} finally {
  await cleanup();
  await db.$disconnect();
  await pool.end();
  await database.drop();
}
