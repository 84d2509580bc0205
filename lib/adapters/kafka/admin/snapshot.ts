// One snapshot of consumer lag from Kafka's admin API: every consumer group (state,
// members, their assignments, committed offsets) and the log start and high watermark
// of every partition those groups read. Lag = high watermark − committed offset, the
// same arithmetic as Kafka's kafka-consumer-groups tool, at the same moment.
//
// Requests (lag-client.ts, batched): ListGroups per broker; DescribeGroups and OffsetFetch
// (v8, many groups each) per coordinator in batches; ListOffsets earliest and latest for
// all the groups' topics at once, after the committed offsets are known. Coordinators and
// topic metadata are cached by the client between snapshots.
import { AssignerProtocol } from 'kafkajs';
import { isReplayTopic } from '../../../backbone/consumer-definition';
import { errorMessageOf } from '../../../errors';
import { parseCommitted, partitionLag, type PartitionLag } from '../../../domain/lag/partition-lag';
import type { LagClient } from './lag-client';
import { isFailure } from './map-limit';
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
  /** One per process (createLagClient), kept between snapshots: it caches coordinators and metadata. */
  client: LagClient;
  /** Which groups: those whose id starts with `<prefix>.`, or every consumer group when null. */
  groupPrefix: string | null;
  /** Groups to report even when Kafka no longer lists them (they show as Dead). */
  knownGroups?: readonly string[];
  /** Requests in flight at once for per-group or per-topic fallbacks (batched requests are few). */
  concurrency?: number;
  clock?: () => Date;
  /** Filled with milliseconds per phase (the benchmark prints them). */
  phases?: Record<string, number>;
}

function decodeMembers(
  protocolType: string,
  members: { memberId: string; clientId: string; clientHost: string; memberAssignment: Buffer }[],
): GroupMember[] {
  return members.map((m) => {
    let assignment: GroupMember['assignment'] = [];
    if (protocolType === 'consumer' && m.memberAssignment?.length) {
      const decoded = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
      assignment = Object.entries(decoded?.assignment ?? {}).map(([topic, partitions]) => ({
        topic,
        partitions: [...partitions].sort((a, b) => a - b),
      }));
    }
    return { memberId: m.memberId, clientId: m.clientId, clientHost: m.clientHost, assignment };
  });
}

async function listGroupIds(client: LagClient, prefix: string | null, known: readonly string[]): Promise<string[]> {
  const groups = await client.listGroups();
  // protocolType '' are groups that only hold committed offsets (set through the admin API).
  const listed = groups
    .filter((g) => (g.protocolType === 'consumer' || g.protocolType === '') && !g.groupId.startsWith(PEEK_GROUP_PREFIX))
    .map((g) => g.groupId);
  const wanted = prefix === null ? listed : listed.filter((id) => id.startsWith(`${prefix}.`));
  return [...new Set([...wanted, ...known])].sort();
}

export async function takeLagSnapshot(options: SnapshotOptions): Promise<LagSnapshot> {
  const { client } = options;
  const concurrency = options.concurrency ?? 32;
  let mark = performance.now();
  const phase = (name: string) => {
    const t = performance.now();
    if (options.phases) options.phases[name] = (options.phases[name] ?? 0) + (t - mark);
    mark = t;
  };
  const groupIds = await listGroupIds(client, options.groupPrefix, options.knownGroups ?? []);
  phase('listGroups');
  // Descriptions and committed offsets are independent: asked at the same time.
  const [{ groups: byId, errors: describeErrors }, committed] = await Promise.all([
    client.describeGroups(groupIds, concurrency),
    client.fetchCommitted(groupIds, concurrency),
  ]);
  phase('describeGroups+fetchOffsets');
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
  const { ends, errors } = await client.fetchEnds(allTopics, concurrency);
  phase('fetchTopicOffsets');

  const groups = groupIds.map((groupId, i): GroupLag => {
    const d = byId.get(groupId);
    const c = committed[i]!;
    const base = { groupId, state: d?.state ?? 'Unknown', members: members.get(groupId) ?? [], partitions: [], replay: [] };
    if (isFailure(c)) return { ...base, error: `committed offsets unreadable: ${errorMessageOf(c.error)}` };
    if (!d && describeErrors.has(groupId)) return { ...base, error: `group unreadable: ${describeErrors.get(groupId)}` };
    const topics = [...topicsOf.get(groupId)!].sort();
    const broken = topics.filter((t) => errors.has(t));
    if (broken.length) return { ...base, error: `offsets of ${broken.join(', ')} unreadable: ${errors.get(broken[0]!)}` };
    // Keyed by topic, then partition (no composite string keys: this runs for every partition of every group).
    const offsets = new Map<string, Map<number, number | null>>();
    for (const t of c) offsets.set(t.topic, new Map(t.partitions.map((p) => [p.partition, parseCommitted(p.offset)])));
    const owner = new Map<string, Map<number, GroupMember>>();
    for (const m of base.members)
      for (const a of m.assignment)
        for (const p of a.partitions) {
          let byPartition = owner.get(a.topic);
          if (!byPartition) owner.set(a.topic, (byPartition = new Map()));
          byPartition.set(p, m);
        }
    const rows: GroupPartition[] = [];
    for (const topic of topics) {
      const committedHere = offsets.get(topic);
      const ownerHere = owner.get(topic);
      for (const p of ends.get(topic)!.partitions) {
        const l = partitionLag({
          topic,
          partition: p.partition,
          logStart: p.logStart,
          end: p.end,
          committed: committedHere?.get(p.partition) ?? null,
        });
        const m = ownerHere?.get(p.partition);
        rows.push({
          topic,
          partition: l.partition,
          logStart: l.logStart,
          end: l.end,
          committed: l.committed,
          lag: l.lag,
          dataLoss: l.dataLoss,
          lostMessages: l.lostMessages,
          memberId: m?.memberId ?? null,
          clientId: m?.clientId ?? null,
        });
      }
    }
    return {
      ...base,
      partitions: rows.filter((r) => !isReplayTopic(r.topic)),
      replay: rows.filter((r) => isReplayTopic(r.topic)),
      error: null,
    };
  });
  phase('build');
  return { at, groups, topics: ends };
}
