// The sampler's latest tick: one lag_samples row per group it knows. Found through the
// index on lag_samples(at): max(at) is one index probe, the rows of that tick one range.
// Shared by the Consumers list, the Overview and /api/metrics, so they show the same figures.
import type { Db } from '../adapters/prisma/client';
import type { LagSampleRow } from '../adapters/prisma/samples-store';
import { isReplayTopic } from '../backbone/consumer-definition';
import type { LagStatus } from '../domain/lag/health';

/** [topic, partition, logStart, end, committed | null, memberId | null, seconds | null] (older rows: first five). */
export type PartitionTuple = [string, number, number, number, number | null, (string | null)?, (number | null)?];

interface RawRow {
  at: Date;
  group_id: string;
  state: string;
  members: number;
  status: string;
  evidence: string;
  lag: bigint | null;
  replay_lag: bigint | null;
  no_commit_partitions: number;
  data_loss_partitions: number;
  seconds_behind: number | null;
  seconds_source: string | null;
  consume_rate: number | null;
  produce_rate: number | null;
  eta_seconds: number | null;
  partitions: PartitionTuple[];
}

/** A lag sample as the sampler wrote it (samples-store.ts), plus the main topics the group reads. */
export interface LagRow extends Omit<LagSampleRow, 'partitions'> {
  partitions: PartitionTuple[];
  /** Main topics the group reads (replay topics apart). */
  topics: string[];
}

const n = (v: bigint | null) => (v === null ? null : Number(v));

export function toLagRow(r: RawRow): LagRow {
  const partitions = Array.isArray(r.partitions) ? r.partitions : [];
  const row = toLagSummary(r, partitions.map((p) => p[0])) as LagRow;
  row.partitions = partitions;
  return row;
}

/**
 * A sample row's figures and the main topics among `topicNames`, sorted and distinct.
 * Built field by field: object spread and rest cost microseconds each on Node 20, and this
 * runs for every group of a tick.
 */
function toLagSummary(r: Omit<RawRow, 'partitions'>, topicNames: readonly string[]): LagSummary {
  return {
    at: r.at,
    groupId: r.group_id,
    state: r.state,
    members: r.members,
    status: r.status as LagStatus,
    evidence: r.evidence,
    lag: n(r.lag),
    replayLag: n(r.replay_lag),
    noCommitPartitions: r.no_commit_partitions,
    dataLossPartitions: r.data_loss_partitions,
    secondsBehind: r.seconds_behind,
    secondsSource: r.seconds_source,
    consumeRate: r.consume_rate,
    produceRate: r.produce_rate,
    etaSeconds: r.eta_seconds,
    topics: [...new Set(topicNames.filter((t) => !isReplayTopic(t)))].sort(),
  };
}

/** Every group of the latest tick (empty when the sampler never ran). */
export async function latestLagRows(db: Db): Promise<LagRow[]> {
  const rows = await db.$queryRaw<RawRow[]>`
    SELECT at, group_id, state, members, status, evidence, lag, replay_lag, no_commit_partitions, data_loss_partitions,
           seconds_behind, seconds_source, consume_rate, produce_rate, eta_seconds, partitions
    FROM lag_samples WHERE at = (SELECT max(at) FROM lag_samples)`;
  return rows.map(toLagRow);
}

/** A group's latest row without its per-partition tuples: what the Consumers list and the Overview show. */
export type LagSummary = Omit<LagRow, 'partitions'>;

/**
 * Every group of the latest tick, without the per-partition tuples (a few hundred bytes of
 * JSON per group that the list and the Overview never show: fetching and decoding them was
 * most of the read's time at 1,000 groups); `topics` is worked out in the database when asked.
 */
export async function latestLagSummaries(db: Db, options: { topics: boolean }): Promise<LagSummary[]> {
  const rows = await db.$queryRawUnsafe<Array<Omit<RawRow, 'partitions'> & { topic_names: string[] | null }>>(
    `SELECT at, group_id, state, members, status, evidence, lag, replay_lag, no_commit_partitions, data_loss_partitions,
            seconds_behind, seconds_source, consume_rate, produce_rate, eta_seconds,
            ${options.topics ? `ARRAY(SELECT DISTINCT e->>0 FROM jsonb_array_elements(CASE jsonb_typeof(partitions) WHEN 'array' THEN partitions ELSE '[]' END) e)` : 'NULL::text[]'} AS topic_names
     FROM lag_samples WHERE at = (SELECT max(at) FROM lag_samples)`,
  );
  return rows.map((r) => toLagSummary(r, r.topic_names ?? []));
}

/** The latest row of one group (primary key (group_id, at), read backwards). */
export async function latestLagRowOf(db: Db, groupId: string): Promise<LagRow | null> {
  const rows = await db.$queryRaw<RawRow[]>`
    SELECT at, group_id, state, members, status, evidence, lag, replay_lag, no_commit_partitions, data_loss_partitions,
           seconds_behind, seconds_source, consume_rate, produce_rate, eta_seconds, partitions
    FROM lag_samples WHERE group_id = ${groupId} ORDER BY at DESC LIMIT 1`;
  return rows[0] ? toLagRow(rows[0]) : null;
}

/** How exact seconds behind is: from the message's own time, interpolated, or only a lower bound. */
export function secondsLabel(source: string | null): 'exact' | 'estimate' | 'at least' | null {
  if (source === null || source === 'unknown') return null;
  if (source === 'estimate') return 'estimate';
  if (source === 'estimate-at-least') return 'at least';
  return 'exact';
}

/** Consumer name of a group id `<prefix>.<name>` (consumer names hold no dots). */
export const consumerOfGroup = (groupId: string) => groupId.slice(groupId.lastIndexOf('.') + 1);
