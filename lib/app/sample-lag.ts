// One sampler tick: snapshot consumer lag from Kafka, work out seconds behind, drain ETA
// and health per group, and write one row per group plus the outbox figures. Kafka being
// unreachable is a result, not a crash: every known group gets an ERR row saying why.
import type { Admin, Kafka } from 'kafkajs';
import { takeLagSnapshot, type GroupLag } from '../adapters/kafka/admin/snapshot';
import { coordKey, fetchRecordTimestamps, type Coordinate } from '../adapters/kafka/admin/record-timestamps';
import { lagClientOf } from '../adapters/kafka/admin/lag-client';
import { insertLagSamples, insertOutboxSample, publishedAtOf, type LagSampleRow, type Queryable } from '../adapters/prisma/samples-store';
import { drain } from '../domain/lag/drain';
import { evaluateHealth, windowOf, type GroupSample, type LagStatus } from '../domain/lag/health';
import type { LagHistory } from '../domain/lag/history';
import { firstUnconsumedOffset, pendingMessages } from '../domain/lag/partition-lag';
import { timeLag, worstTimeLag, type TimeLag } from '../domain/lag/time-lag';
import { errorMessageOf } from '../errors';

export interface SampleLagDeps {
  admin: Admin;
  kafka: Kafka;
  db: Queryable;
  history: LagHistory;
  /** Record timestamps already fetched, by topic/partition/offset (they never change). */
  timestampCache: Map<string, number>;
  groupPrefix: string | null;
  windowMs: number;
  concurrency: number;
  now: () => Date;
  previousAt: Date | null;
  /** Record-timestamp fetches per tick: beyond it, seconds behind is an estimate. */
  maxPeeks?: number;
}

export interface TickResult {
  at: Date;
  groups: number;
  statuses: Partial<Record<LagStatus, number>>;
  kafkaError: string | null;
}

/** Append times of the first unconsumed messages: outbox rows first, then the records themselves. */
async function appendTimes(deps: SampleLagDeps, groups: readonly GroupLag[]): Promise<Map<string, { at: number; source: 'outbox' | 'record' }>> {
  const wanted = new Map<string, Coordinate>();
  for (const g of groups) for (const p of g.partitions) if (pendingMessages(p) > 0) {
    const c = { topic: p.topic, partition: p.partition, offset: firstUnconsumedOffset(p) };
    wanted.set(coordKey(c), c);
  }
  const out = new Map<string, { at: number; source: 'outbox' | 'record' }>();
  const outbox = await publishedAtOf(deps.db, [...wanted.values()]);
  for (const [k, at] of outbox) out.set(k, { at, source: 'outbox' });
  const missing = [...wanted.values()].filter((c) => !out.has(coordKey(c)));
  const toPeek = missing.filter((c) => !deps.timestampCache.has(coordKey(c))).slice(0, deps.maxPeeks ?? 50);
  if (toPeek.length) {
    const fetched = await fetchRecordTimestamps(deps.kafka, toPeek).catch(() => new Map<string, number>());
    for (const [k, at] of fetched) deps.timestampCache.set(k, at);
  }
  for (const c of missing) {
    const at = deps.timestampCache.get(coordKey(c));
    if (at !== undefined) out.set(coordKey(c), { at, source: 'record' });
  }
  return out;
}

function rowFor(g: GroupLag, at: Date, deps: SampleLagDeps, times: Map<string, { at: number; source: 'outbox' | 'record' }>): LagSampleRow {
  const sample: GroupSample = { at: at.getTime(), readable: g.error === null, error: g.error ?? undefined, members: g.members.length, partitions: g.partitions };
  const lags: TimeLag[] = g.partitions.map((p) => {
    const offset = firstUnconsumedOffset(p);
    return timeLag({ now: at.getTime(), pending: pendingMessages(p), offset, appendedAt: times.get(`${p.topic}/${p.partition}/${offset}`), history: deps.history.ends(g.groupId, p.topic, p.partition) });
  });
  deps.history.add(g.groupId, sample);
  const samples = deps.history.samples(g.groupId);
  const health = evaluateHealth(samples, deps.windowMs);
  const first = windowOf(samples, deps.windowMs).window.find((s) => s.readable);
  const rates = sample.readable ? drain(first, sample) : null;
  const worst = sample.readable ? worstTimeLag(lags) : null;
  const sum = (xs: readonly { lag: number | null }[]) => (xs.some((x) => x.lag !== null) ? xs.reduce((s, x) => s + Math.max(0, x.lag ?? 0), 0) : null);
  return {
    at,
    groupId: g.groupId,
    state: g.state,
    members: g.members.length,
    status: health.status,
    evidence: health.evidence,
    lag: sum(g.partitions),
    replayLag: sum(g.replay),
    noCommitPartitions: g.partitions.filter((p) => p.committed === null).length,
    dataLossPartitions: g.partitions.filter((p) => p.dataLoss).length,
    secondsBehind: worst?.seconds ?? null,
    secondsSource: worst ? (worst.atLeast ? 'estimate-at-least' : worst.source) : null,
    consumeRate: rates?.consumeRate ?? null,
    produceRate: rates?.produceRate ?? null,
    etaSeconds: rates?.etaSeconds ?? null,
    // Member and seconds behind per partition ride along for the console's partition table.
    partitions: [
      ...g.partitions.map((p, i): LagSampleRow['partitions'][number] => [p.topic, p.partition, p.logStart, p.end, p.committed, p.memberId, lags[i]?.seconds ?? null]),
      ...g.replay.map((p): LagSampleRow['partitions'][number] => [p.topic, p.partition, p.logStart, p.end, p.committed, p.memberId, null]),
    ],
  };
}

export async function sampleLag(deps: SampleLagDeps): Promise<TickResult> {
  let groups: GroupLag[];
  let at: Date;
  let kafkaError: string | null = null;
  try {
    const snapshot = await takeLagSnapshot({ client: lagClientOf(deps.kafka, deps.admin), groupPrefix: deps.groupPrefix, knownGroups: deps.history.groupIds(), concurrency: deps.concurrency, clock: deps.now });
    groups = snapshot.groups;
    at = snapshot.at;
  } catch (error) {
    kafkaError = errorMessageOf(error);
    at = deps.now();
    groups = deps.history.groupIds().map((groupId) => ({ groupId, state: 'Unknown', members: [], partitions: [], replay: [], error: `Kafka unreachable: ${kafkaError}` }));
  }
  const times = kafkaError ? new Map() : await appendTimes(deps, groups);
  const rows = groups.map((g) => rowFor(g, at, deps, times));
  await insertLagSamples(deps.db, rows);
  await insertOutboxSample(deps.db, at, deps.previousAt);
  const statuses: TickResult['statuses'] = {};
  for (const r of rows) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  return { at, groups: rows.length, statuses, kafkaError };
}
