// The admin requests a lag snapshot needs, batched, through kafkajs's cluster and broker
// internals (kafkajs 2.2.4; its public admin API costs ~2 requests per group and per topic).
//
// Per snapshot, with G groups over T topics on B brokers:
// - ListGroups: one per broker. A broker lists the groups it coordinates, so the listing
//   also tells each group's coordinator; other coordinators are looked up once and cached
//   until a request says NOT_COORDINATOR (then looked up again and retried once).
// - DescribeGroups: one per coordinator per DESCRIBE_BATCH groups.
// - OffsetFetch: one per coordinator per OFFSET_FETCH_BATCH groups (v8, many groups per
//   request: admin-protocol.ts); a broker without v8 gets one v4 request per group.
// - Metadata: only when the set of topics changes or the cached metadata is older than
//   kafkajs's metadataMaxAge (5 min); the cluster's target topics are exactly the topics of
//   the last snapshot, so a deleted topic never poisons later refreshes.
// - ListOffsets (v2, our own codec): earliest and latest, each one request per partition
//   leader for all topics, READ_UNCOMMITTED (latest = the high watermark).
// A batched request that fails is retried per group / per topic, so one bad group or
// topic costs only its own figures. The internals used are typed below; a kafkajs upgrade
// that changes them fails the lag-client integration test (tests/int/lag-client.test.ts).
import type { Admin, Kafka } from 'kafkajs';
import { errorMessageOf } from '../../../errors';
import { isFailure, mapLimit } from './map-limit';
import {
  decodeListOffsetsV2,
  decodeOffsetFetchV8,
  EARLIEST,
  encodeListOffsetsV2,
  encodeOffsetFetchV8,
  LATEST,
  LIST_OFFSETS_API_KEY,
  LIST_OFFSETS_VERSION,
  OFFSET_FETCH_API_KEY,
  OFFSET_FETCH_MULTI_GROUP_VERSION,
  type ListedOffsets,
} from './admin-protocol';

export const DESCRIBE_BATCH = 250;
export const OFFSET_FETCH_BATCH = 250;

interface RawMember {
  memberId: string;
  clientId: string;
  clientHost: string;
  memberAssignment: Buffer;
}

export interface RawGroupDescription {
  groupId: string;
  errorCode: number;
  state: string;
  protocolType: string;
  members: RawMember[];
}

interface ProtocolRequest {
  request: { apiKey: number; apiVersion: number; apiName: string; encode: () => Promise<{ buf: Buffer; buffer: Buffer }> };
  response: { decode: (payload: Buffer) => Promise<unknown>; parse: (data: unknown) => Promise<unknown> };
}

interface InternalBroker {
  versions?: Record<number, { minVersion: number; maxVersion: number }>;
  connectionPool: { send(request: ProtocolRequest): Promise<unknown> };
  listGroups(): Promise<{ groups: { groupId: string; protocolType: string }[] }>;
  describeGroups(args: { groupIds: string[] }): Promise<{ groups: RawGroupDescription[] }>;
  offsetFetch(args: {
    groupId: string;
    topics: [];
  }): Promise<{ responses: { topic: string; partitions: { partition: number; offset: string }[] }[] }>;
  offsetCommit(args: {
    groupId: string;
    groupGenerationId: number;
    memberId: string;
    topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
  }): Promise<unknown>;
  metadata(topics: string[]): Promise<unknown>;
}

/** Sends one request encoded by our own codec (admin-protocol.ts) over the broker's kafkajs connection. */
async function sendOwnCodec<T>(
  broker: InternalBroker,
  request: { apiKey: number; apiVersion: number; apiName: string; body: Buffer; decode: (payload: Buffer) => T },
): Promise<T> {
  return (await broker.connectionPool.send({
    request: {
      apiKey: request.apiKey,
      apiVersion: request.apiVersion,
      apiName: request.apiName,
      encode: async () => ({ buf: request.body, buffer: request.body }),
    },
    response: { decode: async (payload: Buffer) => request.decode(payload), parse: async (data: unknown) => data },
  })) as T;
}

interface InternalCluster {
  targetTopics: Set<string>;
  brokerPool: { brokers: Record<string, InternalBroker>; metadataExpireAt: number | null };
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  isConnected(): boolean;
  refreshMetadata(): Promise<void>;
  refreshMetadataIfNecessary(): Promise<void>;
  findBroker(args: { nodeId: number | string }): Promise<InternalBroker>;
  findGroupCoordinatorMetadata(args: { groupId: string }): Promise<{ coordinator: { nodeId: number } }>;
  findTopicPartitionMetadata(topic: string): { partitionId: number; leader: number }[];
}

/** A new kafkajs Cluster with the client's own settings (brokers, TLS, SASL, retries, logger). */
function createCluster(kafka: Kafka): InternalCluster {
  const key = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  const create = key ? (kafka as unknown as Record<symbol, unknown>)[key] : undefined;
  if (typeof create !== 'function')
    throw new Error('kafkajs internals changed: Kafka has no createCluster (lag-client.ts needs kafkajs 2.2.x)');
  return create({ allowAutoTopicCreation: false }) as InternalCluster;
}

export interface CommittedTopic {
  topic: string;
  partitions: { partition: number; offset: string }[];
}

export type Committed = CommittedTopic[] | { error: unknown };

export interface TopicEndsRaw {
  topic: string;
  partitions: { partition: number; logStart: number; end: number }[];
}

/** Kafka error codes that mean "ask the group's coordinator again". */
const COORDINATOR_ERRORS = new Set([14, 15, 16]); // COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR
const GROUP_ID_NOT_FOUND = 69;
const ERROR_NAMES: Record<number, string> = {
  14: 'COORDINATOR_LOAD_IN_PROGRESS',
  15: 'COORDINATOR_NOT_AVAILABLE',
  16: 'NOT_COORDINATOR',
  24: 'INVALID_GROUP_ID',
  30: 'GROUP_AUTHORIZATION_FAILED',
  88: 'UNSTABLE_OFFSET_COMMIT',
};

export class KafkaCodeError extends Error {
  constructor(
    readonly code: number,
    what: string,
  ) {
    super(`${what}: Kafka error ${ERROR_NAMES[code] ?? code}`);
  }
}

const isCoordinatorError = (e: unknown) =>
  (e instanceof KafkaCodeError && COORDINATOR_ERRORS.has(e.code)) ||
  (typeof e === 'object' &&
    e !== null &&
    [
      'NOT_COORDINATOR',
      'NOT_COORDINATOR_FOR_GROUP',
      'COORDINATOR_NOT_AVAILABLE',
      'GROUP_COORDINATOR_NOT_AVAILABLE',
      'COORDINATOR_LOAD_IN_PROGRESS',
      'GROUP_LOAD_IN_PROGRESS',
    ].includes(String((e as { type?: unknown }).type)));

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface LagClient {
  /** Groups of every broker (id and protocol type); remembers each one's coordinator. */
  listGroups(): Promise<{ groupId: string; protocolType: string }[]>;
  /** Descriptions by group id; a group that could not be described is in `errors`. */
  describeGroups(
    groupIds: readonly string[],
    concurrency: number,
  ): Promise<{ groups: Map<string, RawGroupDescription>; errors: Map<string, string> }>;
  /** Committed offsets of every topic of each group, in input order; a failed group is `{ error }`. */
  fetchCommitted(groupIds: readonly string[], concurrency: number): Promise<Committed[]>;
  /** Log start and high watermark of every partition of these topics; unreadable topics in `errors`. */
  fetchEnds(topics: readonly string[], concurrency: number): Promise<{ ends: Map<string, TopicEndsRaw>; errors: Map<string, string> }>;
  /** Commits offsets for a group without members (benchmarks and tests). */
  commitOffsets(groupId: string, topics: CommittedTopic[]): Promise<void>;
  /** Requests sent, by API name (the benchmark prints them). */
  readonly requests: Record<string, number>;
  disconnect(): Promise<void>;
}

export function createLagClient(kafka: Kafka): LagClient {
  const cluster = createCluster(kafka);
  const coordinators = new Map<string, number>();
  const requests: Record<string, number> = {};
  const count = (api: string, n = 1) => (requests[api] = (requests[api] ?? 0) + n);

  let connecting: Promise<void> | null = null;
  /** Connected, with the broker list loaded (kafkajs's connect alone does not load it). */
  async function connected() {
    if (cluster.isConnected() && Object.keys(cluster.brokerPool.brokers).length > 0) return;
    connecting ??= (async () => {
      await cluster.connect();
      if (Object.keys(cluster.brokerPool.brokers).length === 0) await metadataForTargets();
    })().finally(() => (connecting = null));
    await connecting;
  }

  /** Metadata of the target topics if stale; when a target topic is gone, of no topic in particular. */
  async function metadataForTargets() {
    try {
      await cluster.refreshMetadataIfNecessary();
    } catch {
      cluster.targetTopics = new Set();
      count('Metadata');
      await cluster.refreshMetadata();
    }
  }

  async function coordinatorOf(groupId: string): Promise<number> {
    const known = coordinators.get(groupId);
    if (known !== undefined) return known;
    count('FindCoordinator');
    const { coordinator } = await cluster.findGroupCoordinatorMetadata({ groupId });
    coordinators.set(groupId, coordinator.nodeId);
    return coordinator.nodeId;
  }

  /** Runs `fn` once per coordinator with its groups; groups whose coordinator cannot be found fail alone. */
  async function byCoordinator<R>(
    groupIds: readonly string[],
    concurrency: number,
    fn: (broker: InternalBroker, groupIds: string[]) => Promise<Map<string, R | { error: unknown }>>,
  ) {
    const out = new Map<string, R | { error: unknown }>();
    const nodes = await mapLimit(groupIds, concurrency, coordinatorOf);
    const perNode = new Map<number, string[]>();
    groupIds.forEach((g, i) => {
      const n = nodes[i]!;
      if (isFailure(n)) out.set(g, n);
      else {
        const list = perNode.get(n);
        if (list) list.push(g);
        else perNode.set(n, [g]);
      }
    });
    await Promise.all(
      [...perNode].map(async ([nodeId, ids]) => {
        let broker: InternalBroker;
        try {
          broker = await cluster.findBroker({ nodeId });
        } catch (error) {
          for (const g of ids) out.set(g, { error });
          return;
        }
        for (const [g, r] of await fn(broker, ids)) out.set(g, r);
      }),
    );
    return out;
  }

  /** One pass, then one more for the groups that failed, after looking their coordinators up again. */
  async function withRetry<R>(
    groupIds: readonly string[],
    concurrency: number,
    fn: (broker: InternalBroker, groupIds: string[]) => Promise<Map<string, R | { error: unknown }>>,
  ) {
    const first = await byCoordinator(groupIds, concurrency, fn);
    const failed = groupIds.filter((g) => isFailure(first.get(g)));
    if (failed.length) {
      for (const g of failed)
        if (isCoordinatorError((first.get(g) as { error: unknown }).error) || !coordinators.has(g)) coordinators.delete(g);
      for (const [g, r] of await byCoordinator(failed, concurrency, fn)) first.set(g, r);
    }
    return first;
  }

  async function offsetFetchMany(broker: InternalBroker, ids: string[], concurrency: number) {
    const out = new Map<string, Committed>();
    const v8 = (broker.versions?.[OFFSET_FETCH_API_KEY]?.maxVersion ?? 0) >= OFFSET_FETCH_MULTI_GROUP_VERSION;
    if (!v8) {
      const results = await mapLimit(ids, concurrency, (groupId) => {
        count('OffsetFetch');
        return broker.offsetFetch({ groupId, topics: [] }).then((r) => r.responses);
      });
      ids.forEach((g, i) => out.set(g, results[i]!));
      return out;
    }
    await mapLimit(chunks(ids, OFFSET_FETCH_BATCH), concurrency, async (batch) => {
      count('OffsetFetch');
      try {
        const decoded = await sendOwnCodec(broker, {
          apiKey: OFFSET_FETCH_API_KEY,
          apiVersion: OFFSET_FETCH_MULTI_GROUP_VERSION,
          apiName: 'OffsetFetch',
          body: encodeOffsetFetchV8(batch),
          decode: decodeOffsetFetchV8,
        });
        const byId = new Map(decoded.groups.map((g) => [g.groupId, g]));
        for (const groupId of batch) {
          const g = byId.get(groupId);
          if (!g) out.set(groupId, { error: new Error(`OffsetFetch: no answer for group ${groupId}`) });
          else if (g.errorCode === GROUP_ID_NOT_FOUND) out.set(groupId, []);
          else if (g.errorCode !== 0) out.set(groupId, { error: new KafkaCodeError(g.errorCode, `committed offsets of ${groupId}`) });
          else {
            const bad = g.topics.flatMap((t) => t.partitions).find((p) => p.errorCode !== 0);
            out.set(
              groupId,
              bad
                ? { error: new KafkaCodeError(bad.errorCode, `committed offsets of ${groupId}`) }
                : g.topics.map((t) => ({
                    topic: t.topic,
                    partitions: t.partitions.map(({ partition, offset }) => ({ partition, offset })),
                  })),
            );
          }
        }
      } catch (error) {
        for (const groupId of batch) out.set(groupId, { error });
      }
    });
    return out;
  }

  async function describeMany(broker: InternalBroker, ids: string[], concurrency: number) {
    const out = new Map<string, RawGroupDescription | { error: unknown }>();
    await mapLimit(chunks(ids, DESCRIBE_BATCH), concurrency, async (batch) => {
      count('DescribeGroups');
      try {
        for (const g of (await broker.describeGroups({ groupIds: batch })).groups) out.set(g.groupId, g);
      } catch (error) {
        // kafkajs fails the whole batch for one group's error: describe those groups one by one.
        if (batch.length === 1) return out.set(batch[0]!, { error });
        await mapLimit(batch, concurrency, async (groupId) => {
          count('DescribeGroups');
          try {
            const [g] = (await broker.describeGroups({ groupIds: [groupId] })).groups;
            out.set(groupId, g ?? { error: new Error(`DescribeGroups: no answer for group ${groupId}`) });
          } catch (e) {
            out.set(groupId, { error: e });
          }
        });
      }
    });
    return out;
  }

  async function refreshFor(topics: readonly string[], concurrency: number): Promise<Map<string, string>> {
    const errors = new Map<string, string>();
    cluster.targetTopics = new Set(topics);
    try {
      await cluster.refreshMetadataIfNecessary();
      return errors;
    } catch {
      // Some topic is gone or unreadable: ask for each alone, then keep the readable ones.
    }
    const broker = await cluster.findBroker({ nodeId: Object.keys(cluster.brokerPool.brokers)[0]! });
    const probes = await mapLimit(topics, concurrency, (t) => {
      count('Metadata');
      return broker.metadata([t]);
    });
    topics.forEach((t, i) => {
      const p = probes[i]!;
      if (isFailure(p)) errors.set(t, errorMessageOf(p.error));
    });
    cluster.targetTopics = new Set(topics.filter((t) => !errors.has(t)));
    count('Metadata');
    await cluster.refreshMetadata();
    return errors;
  }

  /** One ListOffsets v2 request to `broker` for these partitions at `timestamp` (our own codec: admin-protocol.ts). */
  async function listOffsets(broker: InternalBroker, topics: { topic: string; partitions: number[] }[], timestamp: bigint) {
    count('ListOffsets');
    const listed: ListedOffsets[] = await sendOwnCodec(broker, {
      apiKey: LIST_OFFSETS_API_KEY,
      apiVersion: LIST_OFFSETS_VERSION,
      apiName: 'ListOffsets',
      body: encodeListOffsetsV2(topics, timestamp),
      decode: decodeListOffsetsV2,
    });
    for (const t of listed)
      for (const p of t.partitions) if (p.errorCode !== 0) throw new KafkaCodeError(p.errorCode, `offsets of ${t.topic}[${p.partition}]`);
    return listed;
  }

  /** Log start and high watermark of every partition of these topics: two requests per partition leader. */
  async function offsetsOf(topics: readonly string[]): Promise<TopicEndsRaw[]> {
    const perLeader = new Map<number, { topic: string; partitions: number[] }[]>();
    for (const topic of topics) {
      const byLeader = new Map<number, number[]>();
      for (const p of cluster.findTopicPartitionMetadata(topic)) {
        if (p.leader === null || p.leader === undefined || p.leader < 0) throw new Error(`${topic}[${p.partitionId}] has no leader`);
        const list = byLeader.get(p.leader);
        if (list) list.push(p.partitionId);
        else byLeader.set(p.leader, [p.partitionId]);
      }
      for (const [leader, partitions] of byLeader) {
        const list = perLeader.get(leader);
        if (list) list.push({ topic, partitions });
        else perLeader.set(leader, [{ topic, partitions }]);
      }
    }
    const starts = new Map<string, Map<number, number>>();
    const ends = new Map<string, Map<number, number>>();
    const into = (target: Map<string, Map<number, number>>, listed: ListedOffsets[]) => {
      for (const t of listed) {
        let m = target.get(t.topic);
        if (!m) target.set(t.topic, (m = new Map()));
        for (const p of t.partitions) m.set(p.partition, p.offset);
      }
    };
    await Promise.all(
      [...perLeader].map(async ([leader, wanted]) => {
        const broker = await cluster.findBroker({ nodeId: leader });
        const v = broker.versions?.[LIST_OFFSETS_API_KEY];
        if (!v || v.minVersion > LIST_OFFSETS_VERSION || v.maxVersion < LIST_OFFSETS_VERSION)
          throw new Error(`broker ${leader} does not speak ListOffsets v${LIST_OFFSETS_VERSION}`);
        const [low, high] = await Promise.all([listOffsets(broker, wanted, EARLIEST), listOffsets(broker, wanted, LATEST)]);
        into(starts, low);
        into(ends, high);
      }),
    );
    return topics.map((topic): TopicEndsRaw => {
      const e = ends.get(topic);
      const s = starts.get(topic);
      const partitions = cluster.findTopicPartitionMetadata(topic).map((p) => {
        const end = e?.get(p.partitionId);
        const logStart = s?.get(p.partitionId);
        if (end === undefined || logStart === undefined) throw new Error(`no offsets returned for ${topic}[${p.partitionId}]`);
        return { partition: p.partitionId, logStart, end };
      });
      return { topic, partitions: partitions.sort((a, b) => a.partition - b.partition) };
    });
  }

  return {
    requests,

    async listGroups() {
      await connected();
      await metadataForTargets();
      const nodeIds = Object.keys(cluster.brokerPool.brokers);
      const listed = await Promise.all(
        nodeIds.map(async (nodeId) => {
          const broker = await cluster.findBroker({ nodeId });
          count('ListGroups');
          const { groups } = await broker.listGroups();
          for (const g of groups) coordinators.set(g.groupId, Number(nodeId));
          return groups;
        }),
      );
      return listed.flat().map((g) => ({ groupId: g.groupId, protocolType: g.protocolType }));
    },

    async describeGroups(groupIds, concurrency) {
      await connected();
      const results = await withRetry(groupIds, concurrency, (broker, ids) => describeMany(broker, ids, concurrency));
      const groups = new Map<string, RawGroupDescription>();
      const errors = new Map<string, string>();
      for (const [g, r] of results) {
        if (isFailure(r)) errors.set(g, errorMessageOf(r.error));
        else groups.set(g, r);
      }
      return { groups, errors };
    },

    async fetchCommitted(groupIds, concurrency) {
      await connected();
      const results = await withRetry(groupIds, concurrency, (broker, ids) => offsetFetchMany(broker, ids, concurrency));
      return groupIds.map((g) => results.get(g) ?? { error: new Error(`no committed offsets read for ${g}`) });
    },

    async fetchEnds(topics, concurrency) {
      const ends = new Map<string, TopicEndsRaw>();
      if (topics.length === 0) return { ends, errors: new Map() };
      await connected();
      const errors = await refreshFor(topics, concurrency);
      const readable = topics.filter((t) => !errors.has(t));
      for (const t of readable)
        if (cluster.findTopicPartitionMetadata(t).length === 0) errors.set(t, `topic ${t} not in the cluster metadata`);
      const wanted = readable.filter((t) => !errors.has(t));
      try {
        for (const e of await offsetsOf(wanted)) ends.set(e.topic, e);
      } catch {
        // One partition's error (e.g. a leader moving) fails the batch: refresh, then topic by topic.
        count('Metadata');
        await cluster.refreshMetadata().catch(() => {});
        const each = await mapLimit(wanted, concurrency, (t) => offsetsOf([t]));
        wanted.forEach((t, i) => {
          const r = each[i]!;
          if (isFailure(r)) errors.set(t, errorMessageOf(r.error));
          else if (r[0]) ends.set(t, r[0]);
        });
      }
      for (const t of wanted) if (!ends.has(t) && !errors.has(t)) errors.set(t, `no offsets returned for ${t}`);
      return { ends, errors };
    },

    async commitOffsets(groupId, topics) {
      await connected();
      const send = async () => {
        const broker = await cluster.findBroker({ nodeId: await coordinatorOf(groupId) });
        count('OffsetCommit');
        await broker.offsetCommit({ groupId, groupGenerationId: -1, memberId: '', topics });
      };
      await send().catch(async (e: unknown) => {
        if (!isCoordinatorError(e)) throw e;
        coordinators.delete(groupId);
        await send();
      });
    },

    async disconnect() {
      await cluster.disconnect();
    },
  };
}

const byAdmin = new WeakMap<Admin, LagClient>();

/**
 * The lag client that rides along a kafkajs admin the caller already manages: made on
 * first use, kept (with its caches) while the admin lives, disconnected with it.
 */
export function lagClientOf(kafka: Kafka, admin: Admin): LagClient {
  let client = byAdmin.get(admin);
  if (!client) {
    const made = createLagClient(kafka);
    byAdmin.set(admin, made);
    const off = admin.on(admin.events.DISCONNECT, () => {
      off();
      if (byAdmin.get(admin) === made) byAdmin.delete(admin);
      void made.disconnect().catch(() => {});
    });
    client = made;
  }
  return client;
}
