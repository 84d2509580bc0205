// One snapshot of consumer lag from Kafka's admin API: every consumer group (state,
// members, their assignments, committed offsets) and the log start and high watermark
// of every partition those groups read. Lag = high watermark − committed offset, the
// same arithmetic as Kafka's kafka-consumer-groups tool, at the same moment.
//
// Request plan (kafkajs 2.2.4 against Kafka 4.x, each call checked against the broker):
// ListGroups once; DescribeGroups batched per coordinator; OffsetFetch (all topics of a
// group) one per group with bounded concurrency; ListOffsets (earliest and latest) per
// topic with bounded concurrency, after the groups' committed topics are known.
import { AssignerProtocol, type Admin } from 'kafkajs';
import { replayTopicOf } from '../../../backbone/consumer-definition';
import { errorMessageOf } from '../../../errors';
import { parseCommitted, partitionLag, type PartitionLag } from '../../../domain/lag/partition-lag';
import { isFailure, mapLimit } from './map-limit';
import { PEEK_GROUP_PREFIX } from './record-timestamps';

export interface GroupMember {
  memberId: string;
  clientId: string;
  clientHost: string;
  assignment: { topic: string; partitions: number[] }[];
}

export interface GroupPartition extends PartitionLag {
  /** Member the partition is assigned to now, if any. */
  memberId: string | null;
  clientId: string | null;
}

export interface GroupLag {
  groupId: string;
  /** Kafka's group state: Stable, Empty, Dead, PreparingRebalance, CompletingRebalance, … */
  state: string;
  members: GroupMember[];
  /** Main topics. */
  partitions: GroupPartition[];
  /** Replay topics (`signalbox.replay.<consumer>.v1`): reported apart, never in seconds behind. */
  replay: GroupPartition[];
  /** Set when this group's metadata could not be read (its figures are then empty). */
  error: string | null;
}

export interface TopicEnds {
  topic: string;
  partitions: { partition: number; logStart: number; end: number }[];
}

export interface LagSnapshot {
  at: Date;
  groups: GroupLag[];
  topics: Map<string, TopicEnds>;
}

export interface SnapshotOptions {
  admin: Admin;
  /** Which groups: those whose id starts with `<prefix>.`, or every consumer group when null. */
  groupPrefix: string | null;
  /** Groups to report even when Kafka no longer lists them (they show as Dead). */
  knownGroups?: readonly string[];
  concurrency?: number;
  clock?: () => Date;
  /** Filled with milliseconds per phase (the benchmark prints them). */
  phases?: Record<string, number>;
}

const [replayHead, replayTail] = replayTopicOf('\u0000').split('\u0000') as [string, string];
export const isReplayTopic = (topic: string) => topic.startsWith(replayHead) && topic.endsWith(replayTail) && topic.length > replayHead.length + replayTail.length;

function decodeMembers(protocolType: string, members: { memberId: string; clientId: string; clientHost: string; memberAssignment: Buffer }[]): GroupMember[] {
  return members.map((m) => {
    let assignment: GroupMember['assignment'] = [];
    if (protocolType === 'consumer' && m.memberAssignment?.length) {
      const decoded = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
      assignment = Object.entries(decoded?.assignment ?? {}).map(([topic, partitions]) => ({ topic, partitions: [...partitions].sort((a, b) => a - b) }));
    }
    return { memberId: m.memberId, clientId: m.clientId, clientHost: m.clientHost, assignment };
  });
}

async function listGroupIds(admin: Admin, prefix: string | null, known: readonly string[]): Promise<string[]> {
  const { groups } = await admin.listGroups();
  // protocolType '' are groups that only hold committed offsets (set through the admin API).
  const listed = groups
    .filter((g) => (g.protocolType === 'consumer' || g.protocolType === '') && !g.groupId.startsWith(PEEK_GROUP_PREFIX))
    .map((g) => g.groupId);
  const wanted = prefix === null ? listed : listed.filter((id) => id.startsWith(`${prefix}.`));
  return [...new Set([...wanted, ...known])].sort();
}

async function fetchEnds(admin: Admin, topics: readonly string[], concurrency: number) {
  const results = await mapLimit(topics, concurrency, (topic) => admin.fetchTopicOffsets(topic));
  const ends = new Map<string, TopicEnds>();
  const errors = new Map<string, string>();
  topics.forEach((topic, i) => {
    const r = results[i]!;
    if (isFailure(r)) errors.set(topic, errorMessageOf(r.error));
    else ends.set(topic, { topic, partitions: r.map((p) => ({ partition: p.partition, logStart: Number(p.low), end: Number(p.high) })).sort((a, b) => a.partition - b.partition) });
  });
  return { ends, errors };
}

export async function takeLagSnapshot(options: SnapshotOptions): Promise<LagSnapshot> {
  const { admin } = options;
  const concurrency = options.concurrency ?? 32;
  let mark = performance.now();
  const phase = (name: string) => {
    const t = performance.now();
    if (options.phases) options.phases[name] = (options.phases[name] ?? 0) + (t - mark);
    mark = t;
  };
  const groupIds = await listGroupIds(admin, options.groupPrefix, options.knownGroups ?? []);
  phase('listGroups');
  const described = groupIds.length ? (await admin.describeGroups(groupIds)).groups : [];
  phase('describeGroups');
  const byId = new Map(described.map((g) => [g.groupId, g]));
  const committed = await mapLimit(groupIds, concurrency, (groupId) => admin.fetchOffsets({ groupId }));
  phase('fetchOffsets');
  // The clock is read after the committed offsets and before the ends, as the Kafka tool does.
  const at = (options.clock ?? (() => new Date()))();

  const topicsOf = new Map<string, Set<string>>();
  const members = new Map<string, GroupMember[]>();
  groupIds.forEach((groupId, i) => {
    const d = byId.get(groupId);
    const m = d ? decodeMembers(d.protocolType, d.members) : [];
    members.set(groupId, m);
    const topics = new Set(m.flatMap((x) => x.assignment.map((a) => a.topic)));
    const c = committed[i]!;
    if (!isFailure(c)) for (const t of c) if (t.partitions.some((p) => parseCommitted(p.offset) !== null)) topics.add(t.topic);
    topicsOf.set(groupId, topics);
  });
  const allTopics = [...new Set([...topicsOf.values()].flatMap((s) => [...s]))].sort();
  const { ends, errors } = await fetchEnds(admin, allTopics, concurrency);
  phase('fetchTopicOffsets');

  const groups = groupIds.map((groupId, i): GroupLag => {
    const d = byId.get(groupId);
    const c = committed[i]!;
    const base = { groupId, state: d?.state ?? 'Unknown', members: members.get(groupId) ?? [], partitions: [], replay: [] };
    if (isFailure(c)) return { ...base, error: `committed offsets unreadable: ${errorMessageOf(c.error)}` };
    const topics = [...topicsOf.get(groupId)!].sort();
    const broken = topics.filter((t) => errors.has(t));
    if (broken.length) return { ...base, error: `offsets of ${broken.join(', ')} unreadable: ${errors.get(broken[0]!)}` };
    const offsets = new Map<string, number | null>(c.flatMap((t) => t.partitions.map((p) => [`${t.topic}\u0000${p.partition}`, parseCommitted(p.offset)] as const)));
    const owner = new Map<string, GroupMember>(base.members.flatMap((m) => m.assignment.flatMap((a) => a.partitions.map((p) => [`${a.topic}\u0000${p}`, m] as const))));
    const rows: GroupPartition[] = topics.flatMap((topic) =>
      ends.get(topic)!.partitions.map((p) => {
        const k: string = `${topic}\u0000${p.partition}`;
        const m = owner.get(k);
        return { ...partitionLag({ topic, partition: p.partition, logStart: p.logStart, end: p.end, committed: offsets.get(k) ?? null }), memberId: m?.memberId ?? null, clientId: m?.clientId ?? null };
      }),
    );
    return { ...base, partitions: rows.filter((r) => !isReplayTopic(r.topic)), replay: rows.filter((r) => isReplayTopic(r.topic)), error: null };
  });
  return { at, groups, topics: ends };
}
