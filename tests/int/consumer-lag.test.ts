// Consumer lag on the real broker: the admin snapshot's figures for groups that lag, stall,
// stop, rewind or never committed equal high watermark − committed offset AND the LAG column
// of Kafka's own consumer-groups tool (ConsumerGroupCommand from the kafka-tools jar) at the
// same moment; health over real snapshots gives each status.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { takeLagSnapshot, type GroupLag, type LagSnapshot } from '@/lib/adapters/kafka/admin/snapshot';
import { fetchRecordTimestamps } from '@/lib/adapters/kafka/admin/record-timestamps';
import { lagClientOf } from '@/lib/adapters/kafka/admin/lag-client';
import { ensureTopics } from '@/lib/adapters/kafka/kafka-client';
import { evaluateHealth, type GroupSample } from '@/lib/domain/lag/health';
import { kafkaBrokers, testKafka, uniqueName } from '../support/kafka';
import { waitFor } from '../support/wait-for';
import { replayTopicOf } from '@/lib/backbone/consumer-definition';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');
const prefix = uniqueName('lag');
const topic = `${prefix}-orders`;
const replayTopic = replayTopicOf(prefix);
const group = (name: string) => `${prefix}.${name}`;
const COUNTS = [30, 20, 10]; // messages per partition

let kafka: Kafka;
let admin: Admin;
let stalled: Consumer;

/** Classpath of org.apache.kafka:kafka-tools (not on the broker's classpath), resolved once by Maven and cached. */
async function toolsClasspath(): Promise<string> {
  const dir = path.join(root, '.data', 'kafka-tools');
  const file = path.join(dir, 'classpath.txt');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dir, { recursive: true });
  const version = /<kafka\.version>([^<]+)</.exec(readFileSync(path.join(root, 'infra/kafka/pom.xml'), 'utf8'))![1];
  writeFileSync(
    path.join(dir, 'pom.xml'),
    `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion><groupId>local.signalbox</groupId><artifactId>kafka-tools-classpath</artifactId><version>0</version><packaging>pom</packaging>
<dependencies><dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>${version}</version></dependency>
<dependency><groupId>org.slf4j</groupId><artifactId>slf4j-nop</artifactId><version>1.7.36</version></dependency></dependencies></project>`,
  );
  await run('mvn', ['-q', '-B', '-f', path.join(dir, 'pom.xml'), 'dependency:build-classpath', '-Dmdep.includeScope=runtime', `-Dmdep.outputFile=${file}`], { timeout: 300_000 });
  return readFileSync(file, 'utf8').trim();
}

interface ToolRow {
  group: string;
  topic: string;
  partition: number;
  current: number | null;
  end: number;
  lag: number | null;
}

/** `kafka-consumer-groups --describe` for our groups, parsed. */
async function consumerGroupsTool(groups: string[]): Promise<ToolRow[]> {
  const args = ['-cp', await toolsClasspath(), 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand', '--bootstrap-server', kafkaBrokers()[0]!, '--describe'];
  for (const g of groups) args.push('--group', g);
  const { stdout } = await run('java', args, { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
  const num = (s: string) => (s === '-' ? null : Number(s));
  return stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => groups.includes(cols[0]!) && cols.length >= 6 && /^\d+$/.test(cols[2]!))
    .map((c) => ({ group: c[0]!, topic: c[1]!, partition: Number(c[2]), current: num(c[3]!), end: Number(c[4]), lag: num(c[5]!) }));
}

async function commit(groupId: string, t: string, offsets: Record<number, number>) {
  await admin.setOffsets({ groupId, topic: t, partitions: Object.entries(offsets).map(([partition, offset]) => ({ partition: Number(partition), offset: String(offset) })) });
}

async function produce(t: string, perPartition: number[]) {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: t, acks: -1, messages: perPartition.flatMap((n, partition) => Array.from({ length: n }, (_, i) => ({ partition, value: `m${i}` }))) });
  await producer.disconnect();
}

const snapshot = () => takeLagSnapshot({ client: lagClientOf(kafka, admin), groupPrefix: prefix, knownGroups: [group('dead')], concurrency: 8 });
const find = (s: LagSnapshot, name: string) => s.groups.find((g) => g.groupId === group(name))!;
const toSample = (g: GroupLag, at: number): GroupSample => ({ at, readable: g.error === null, members: g.members.length, partitions: g.partitions });

beforeAll(async () => {
  kafka = testKafka();
  admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [{ topic, partitions: 3 }, { topic: replayTopic, partitions: 1 }]);
  await produce(topic, COUNTS);
  await produce(replayTopic, [4]);
  await Promise.all([
    commit(group('lagging'), topic, { 0: 10, 1: 5, 2: 10 }),
    commit(group('stopped'), topic, { 0: 20, 1: 20, 2: 0 }),
    commit(group('nocommit'), topic, { 0: 30 }),
    commit(group('rewound'), topic, { 0: 25, 1: 20, 2: 10 }),
    commit(group('stalled'), topic, { 0: 1, 1: 2, 2: 3 }),
    commit(group('replaying'), replayTopic, { 0: 1 }),
  ]);
  // A member that keeps its membership (heartbeats) but never commits: paused at once.
  stalled = kafka.consumer({ groupId: group('stalled'), sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  await stalled.connect();
  await stalled.subscribe({ topic });
  await stalled.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: async () => {} });
  stalled.pause([{ topic }]);
  await waitFor('the stalled member to hold its assignment', async () => {
    const g = find(await snapshot(), 'stalled');
    return g.state === 'Stable' && g.members[0]?.assignment[0]?.partitions.length === 3;
  });
}, 120_000);

afterAll(async () => {
  await stalled?.disconnect().catch(() => {});
  const ours = ['lagging', 'stopped', 'nocommit', 'rewound', 'stalled', 'replaying'].map(group);
  await admin?.deleteGroups(ours).catch(() => {});
  await admin?.deleteTopics({ topics: [topic, replayTopic] }).catch(() => {});
  await admin?.disconnect();
});

describe('consumer lag snapshot on the real broker', () => {
  it('equals high watermark − committed offset and the consumer-groups tool, partition by partition', async () => {
    const snap = await snapshot();
    const tool = await consumerGroupsTool(['lagging', 'stopped', 'nocommit', 'rewound', 'stalled', 'replaying'].map(group));
    const ends = await admin.fetchTopicOffsets(topic);
    const lagging = find(snap, 'lagging');
    expect(lagging.partitions.map((p) => [p.partition, p.end, p.committed, p.lag])).toEqual([
      [0, 30, 10, 20],
      [1, 20, 5, 15],
      [2, 10, 10, 0],
    ]);
    for (const g of snap.groups.filter((x) => x.groupId !== group('dead'))) {
      for (const p of [...g.partitions, ...g.replay]) {
        const end = p.topic === topic ? Number(ends.find((e) => e.partition === p.partition)!.high) : p.end;
        expect(p.lag, `${g.groupId} ${p.topic}[${p.partition}]`).toBe(p.committed === null ? null : end - p.committed);
        const row = tool.find((r) => r.group === g.groupId && r.topic === p.topic && r.partition === p.partition);
        if (p.committed !== null || row) {
          expect(row, `tool row for ${g.groupId} ${p.topic}[${p.partition}]`).toBeDefined();
          expect([row!.current, row!.end, row!.lag]).toEqual([p.committed, p.end, p.lag]);
        }
      }
    }
    // Every committed row the tool printed is in the snapshot.
    const committedRows = tool.filter((r) => r.lag !== null);
    expect(committedRows.length).toBe(14); // 3 + 3 + 1 + 3 + 3 partitions + 1 replay partition
  });

  it('reports no commit as null (never 0), replay topics apart, empty and dead groups listed', async () => {
    const snap = await snapshot();
    const nocommit = find(snap, 'nocommit');
    expect(nocommit.partitions.map((p) => p.lag)).toEqual([0, null, null]);
    const replaying = find(snap, 'replaying');
    expect(replaying.partitions).toEqual([]);
    expect(replaying.replay.map((p) => [p.topic, p.lag])).toEqual([[replayTopic, 3]]);
    expect(find(snap, 'stopped').state).toBe('Empty');
    expect(find(snap, 'dead')).toMatchObject({ state: 'Dead', partitions: [], error: null });
    const stalledGroup = find(snap, 'stalled');
    expect(stalledGroup.members).toHaveLength(1);
    expect(stalledGroup.partitions.every((p) => p.memberId === stalledGroup.members[0]!.memberId)).toBe(true);
  });

  it('health over real snapshots: slow and growing WARN, stalled STALL, stopped STOP, rewound REWIND', async () => {
    const snaps: LagSnapshot[] = [await snapshot()];
    // A slow consumer: commits move by 1 per partition while 5 arrive.
    for (let i = 1; i <= 3; i++) {
      await produce(topic, [5, 5, 5]);
      await commit(group('lagging'), topic, { 0: 10 + i, 1: 5 + i, 2: 10 + i });
      snaps.push(await snapshot());
    }
    await commit(group('rewound'), topic, { 0: 3 });
    snaps.push(await snapshot());
    // The window spans the four snapshots taken while the slow group committed.
    const window = snaps[3]!.at.getTime() - snaps[0]!.at.getTime();
    const statusOf = (name: string, upTo = 4) => evaluateHealth(snaps.slice(0, upTo).map((s) => toSample(find(s, name), s.at.getTime())), window);
    expect(statusOf('lagging').status).toBe('WARN');
    expect(statusOf('stalled')).toMatchObject({ status: 'STALL', evidence: expect.stringMatching(/^STALL: 1 member but no commit for \d+ s while lag is \d+$/) });
    expect(statusOf('stopped')).toMatchObject({ status: 'STOP', evidence: expect.stringContaining('the group has no members') });
    expect(statusOf('rewound', 5)).toMatchObject({ status: 'REWIND', evidence: expect.stringContaining(`${topic}[0] went back from 25 to 3`) });
    const last = snaps.at(-1)!;
    const tool = await consumerGroupsTool([group('rewound')]);
    expect(tool.find((r) => r.partition === 0)!.lag).toBe(find(last, 'rewound').partitions[0]!.lag);
  });

  it('fetches the record timestamp of the first unconsumed message', async () => {
    const before = Date.now();
    await produce(topic, [0, 0, 1]);
    const end = Number((await admin.fetchTopicOffsets(topic)).find((p) => p.partition === 2)!.high);
    const found = await fetchRecordTimestamps(kafka, [{ topic, partition: 2, offset: end - 1 }, { topic, partition: 0, offset: 3 }]);
    expect(found.get(`${topic}/2/${end - 1}`)).toBeGreaterThanOrEqual(before - 1_000);
    expect(found.get(`${topic}/0/3`)).toBeLessThan(before);
  });
});
