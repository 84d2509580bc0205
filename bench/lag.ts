// One full consumer-lag snapshot (lib/adapters/kafka/admin/snapshot.ts) over many groups:
// BENCH_LAG_GROUPS groups (default 1,000), each with committed offsets on all 12
// partitions of one of BENCH_LAG_TOPICS topics (default 200), on the local broker.
// Groups are committed with one OffsetCommit each (no running consumers). The snapshot is
// timed BENCH_LAG_RUNS times (default 20) after one warm-up, with the requests it sends;
// topics and groups are deleted afterwards, unless BENCH_LAG_KEEP=1 (then a later run
// can reuse them with BENCH_LAG_PREFIX=<prefix printed>, skipping the setup).
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { takeLagSnapshot } from '../lib/adapters/kafka/admin/snapshot';
import { createLagClient } from '../lib/adapters/kafka/admin/lag-client';
import { mapLimit, isFailure } from '../lib/adapters/kafka/admin/map-limit';
import { createKafka } from '../lib/adapters/kafka/kafka-client';
import { brokers, percentile, round, PARTITIONS } from './support';

const GROUPS = Number(process.env.BENCH_LAG_GROUPS ?? 1_000);
const TOPICS = Number(process.env.BENCH_LAG_TOPICS ?? 200);
const RUNS = Number(process.env.BENCH_LAG_RUNS ?? 20);
const CONCURRENCY = Number(process.env.BENCH_LAG_CONCURRENCY ?? 32);
const SETUP_CONCURRENCY = Number(process.env.BENCH_LAG_SETUP_CONCURRENCY ?? 50);

const KEEP = process.env.BENCH_LAG_KEEP === '1';
const REUSE = process.env.BENCH_LAG_PREFIX;
const prefix = REUSE ?? `bench-lag-${randomBytes(3).toString('hex')}`;
const topics = Array.from({ length: TOPICS }, (_, i) => `${prefix}-t${String(i).padStart(3, '0')}`);
const groups = Array.from({ length: GROUPS }, (_, i) => ({ id: `${prefix}.g${String(i).padStart(4, '0')}`, topic: topics[i % TOPICS]! }));
const kafka = createKafka({ brokers, clientId: 'bench-lag', logLevel: 'error' });
const admin = kafka.admin();
await admin.connect();
const setupClient = createLagClient(kafka);
const t0 = Date.now();
const loadavg = () => os.loadavg().map((x) => round(x, 2));
try {
  if (!REUSE) {
    // Created without kafkajs's waitForLeaders (under load its wait can fail after the
    // request returned), then polled until every partition has a leader.
    for (let i = 0; i < topics.length; i += 50) {
      await admin.createTopics({
        waitForLeaders: false,
        topics: topics.slice(i, i + 50).map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: -1 })),
      });
    }
    for (let i = 0; i < topics.length; i += 50) {
      const chunk = topics.slice(i, i + 50);
      for (let tries = 0; ; tries++) {
        const ok = await admin.fetchTopicMetadata({ topics: chunk }).then(
          (m) => m.topics.every((t) => t.partitions.length === PARTITIONS && t.partitions.every((p) => p.leader >= 0)),
          () => false,
        );
        if (ok) break;
        if (tries > 60) throw new Error(`topics ${chunk[0]}… have no leaders after 30 s`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < topics.length; i += 20) {
      await producer.sendBatch({
        acks: -1,
        topicMessages: topics
          .slice(i, i + 20)
          .map((topic) => ({
            topic,
            messages: Array.from({ length: PARTITIONS * 20 }, (_, m) => ({ partition: m % PARTITIONS, value: 'x' })),
          })),
      });
    }
    await producer.disconnect();
    console.log(`created ${TOPICS} topics × ${PARTITIONS} partitions with 20 messages each in ${round((Date.now() - t0) / 1000)} s`);
    const t1 = Date.now();
    const set = await mapLimit(groups, SETUP_CONCURRENCY, (g) =>
      setupClient.commitOffsets(g.id, [
        { topic: g.topic, partitions: Array.from({ length: PARTITIONS }, (_, p) => ({ partition: p, offset: String((p * 3) % 20) })) },
      ]),
    );
    const failed = set.filter(isFailure).length;
    const firstFailure = set.find(isFailure);
    if (firstFailure) console.log(`first failed commit: ${String(firstFailure.error)}`);
    console.log(`committed offsets for ${GROUPS - failed} groups (${failed} failed) in ${round((Date.now() - t1) / 1000)} s`);
  } else console.log(`reusing topics and groups ${prefix}-*`);
  await setupClient.disconnect();

  // The sampler's way: one client per process, kept between snapshots.
  const client = createLagClient(kafka);
  console.log(`load average before: ${loadavg().join(' ')}`);

  const timings: number[] = [];
  let partitions = 0;
  let seenGroups = 0;
  const phases: Record<string, number> = {};
  let warmRequests: Record<string, number> = {};
  const cpuMs: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
    const before = { ...client.requests };
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    const snap = await takeLagSnapshot({ client, groupPrefix: prefix, concurrency: CONCURRENCY, phases: run === 0 ? undefined : phases });
    const ms = performance.now() - start;
    const cpu = process.cpuUsage(cpu0);
    if (run > 0) cpuMs.push((cpu.user + cpu.system) / 1000);
    const sent = Object.fromEntries(
      Object.entries(client.requests)
        .map(([k, v]) => [k, v - (before[k] ?? 0)])
        .filter(([, v]) => Number(v) > 0),
    );
    if (run === 0) console.log(`warm-up snapshot (coordinators and metadata cold): ${round(ms)} ms, requests ${JSON.stringify(sent)}`);
    else {
      timings.push(ms);
      warmRequests = sent;
    }
    seenGroups = snap.groups.length;
    partitions = snap.groups.reduce((n, g) => n + g.partitions.length, 0);
    const errors = snap.groups.filter((g) => g.error).length;
    if (errors) console.log(`run ${run}: ${errors} groups with errors, e.g. ${snap.groups.find((g) => g.error)?.error}`);
  }
  timings.sort((a, b) => a - b);
  await client.disconnect();
  console.log(`load average after: ${loadavg().join(' ')}`);
  console.log(`requests per warm snapshot: ${JSON.stringify(warmRequests)}`);
  cpuMs.sort((a, b) => a - b);
  console.log(`CPU time of this process per snapshot (user + system): p50 ${round(percentile(cpuMs, 50))} ms, max ${round(cpuMs.at(-1)!)} ms`);
  console.log(
    `mean ms per phase: ${Object.entries(phases)
      .map(([k, v]) => `${k} ${round(v / RUNS)}`)
      .join(', ')}`,
  );
  console.log(
    `snapshot of ${seenGroups} groups / ${partitions} group-partitions, ${RUNS} runs, concurrency ${CONCURRENCY}: p50 ${round(percentile(timings, 50))} ms, p95 ${round(percentile(timings, 95))} ms, max ${round(timings.at(-1)!)} ms`,
  );
  console.log(
    JSON.stringify({
      bench: 'lag',
      groups: seenGroups,
      partitions,
      p95_ms: round(percentile(timings, 95)),
      p50_ms: round(percentile(timings, 50)),
      loadavg_1m: loadavg()[0],
    }),
  );
} finally {
  if (KEEP) console.log(`kept topics and groups: BENCH_LAG_PREFIX=${prefix}`);
  else for (let i = 0; i < groups.length; i += 100) await admin.deleteGroups(groups.slice(i, i + 100).map((g) => g.id)).catch(() => {});
  if (!KEEP) for (let i = 0; i < topics.length; i += 50) await admin.deleteTopics({ topics: topics.slice(i, i + 50) }).catch(() => {});
  await admin.disconnect();
}
