// The batched lag client (kafkajs internals + OffsetFetch v8) against the real broker:
// the figures equal kafkajs's public admin API, group by group and partition by
// partition, in a handful of requests instead of one or two per group and per topic;
// a topic deleted or never created costs only its own figures, now and later.
import type { Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLagClient, type LagClient } from '@/lib/adapters/kafka/admin/lag-client';
import { ensureTopics } from '@/lib/adapters/kafka/kafka-client';
import { testKafka, uniqueName } from '../support/kafka';

const prefix = uniqueName('lagclient');
const topics = [`${prefix}-a`, `${prefix}-b`, `${prefix}-c`];
const groups = Array.from({ length: 30 }, (_, i) => `${prefix}.g${String(i).padStart(2, '0')}`);
const gone = `${prefix}-gone`;

let kafka: Kafka;
let admin: Admin;
let client: LagClient;

const delta = (before: Record<string, number>) => Object.fromEntries(Object.entries(client.requests).map(([k, v]) => [k, v - (before[k] ?? 0)]).filter(([, v]) => v !== 0));

beforeAll(async () => {
  kafka = testKafka();
  admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [...topics.map((topic) => ({ topic, partitions: 3 })), { topic: gone, partitions: 2 }]);
  const producer = kafka.producer();
  await producer.connect();
  await producer.sendBatch({ acks: -1, topicMessages: [...topics, gone].map((topic, t) => ({ topic, messages: Array.from({ length: 12 + t }, (_, m) => ({ partition: m % 2, value: `m${m}` })) })) });
  await producer.disconnect();
  client = createLagClient(kafka);
  // Group i commits on topic i % 3, partitions 0 and 1 (offset i and i + 1); partition 2 never.
  for (const [i, g] of groups.entries()) {
    await client.commitOffsets(g, [{ topic: topics[i % 3]!, partitions: [{ partition: 0, offset: String(i % 7) }, { partition: 1, offset: String((i % 5) + 1) }] }]);
  }
}, 120_000);

afterAll(async () => {
  await client?.disconnect();
  await admin?.deleteGroups(groups).catch(() => {});
  await admin?.deleteTopics({ topics: [...topics, gone] }).catch(() => {});
  await admin?.disconnect();
});

describe('batched lag client on the real broker', () => {
  it('lists, describes and fetches committed offsets of 30 groups in one request each, equal to the public admin API', async () => {
    const listed = (await client.listGroups()).filter((g) => g.groupId.startsWith(`${prefix}.`)).map((g) => g.groupId);
    expect(listed.sort()).toEqual(groups);
    const dead = `${prefix}.never-existed`;
    const wanted = [...groups, dead];

    const before = { ...client.requests };
    const { groups: described, errors } = await client.describeGroups(wanted, 8);
    const committed = await client.fetchCommitted(wanted, 8);
    // Coordinators came with the listing; only the group nobody listed is looked up.
    expect(delta(before)).toEqual({ DescribeGroups: 1, OffsetFetch: 1, FindCoordinator: 1 });

    expect(errors.size).toBe(0);
    expect(groups.map((g) => described.get(g)?.state)).toEqual(groups.map(() => 'Empty'));
    expect(described.get(dead)?.state).toBe('Dead');
    expect(committed.at(-1)).toEqual([]);

    for (const [i, g] of groups.entries()) {
      const viaAdmin = await admin.fetchOffsets({ groupId: g });
      const ours = committed[i] as { topic: string; partitions: { partition: number; offset: string }[] }[];
      const norm = (ts: { topic: string; partitions: { partition: number; offset: string }[] }[]) =>
        ts.flatMap((t) => t.partitions.map((p) => `${t.topic}/${p.partition}=${p.offset}`)).sort();
      expect(norm(ours)).toEqual(norm(viaAdmin));
      expect(norm(ours)).toContain(`${topics[i % 3]}/0=${i % 7}`);
    }
  });

  it('reads log start and high watermark of all topics in one ListOffsets each way, equal to fetchTopicOffsets', async () => {
    const before = { ...client.requests };
    const { ends, errors } = await client.fetchEnds(topics, 8);
    expect(delta(before)).toEqual({ ListOffsets: 2 });
    expect(errors.size).toBe(0);
    for (const topic of topics) {
      const viaAdmin = (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, logStart: Number(p.low), end: Number(p.high) })).sort((a, b) => a.partition - b.partition);
      expect(ends.get(topic)?.partitions).toEqual(viaAdmin);
    }
    expect(ends.get(topics[0]!)?.partitions.map((p) => p.end)).toEqual([6, 6, 0]);
  });

  it('a deleted or unknown topic fails alone, and does not poison later snapshots', async () => {
    await client.fetchEnds([...topics, gone], 8);
    await admin.deleteTopics({ topics: [gone] });
    const missing = `${prefix}-never-created`;
    const first = await client.fetchEnds([...topics, gone, missing], 8);
    expect([...first.errors.keys()].sort()).toEqual([gone, missing].sort());
    expect([...first.ends.keys()].sort()).toEqual(topics);
    const later = await client.fetchEnds(topics, 8);
    expect(later.errors.size).toBe(0);
    expect(later.ends.size).toBe(3);
    expect((await client.listGroups()).length).toBeGreaterThanOrEqual(groups.length);
  });
});
