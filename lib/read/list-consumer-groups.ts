// The Consumers list (and GET /api/consumers): every group of the sampler's latest tick
// with its status and evidence, lag in messages and seconds (exact or estimate), drain
// ETA and a sparkline of the last 15 min; filtered and sorted as the URL says (default:
// seconds behind, worst first). The latest tick is read without its per-partition tuples;
// sparklines (only for the returned page) come from the 1-minute rollups: the raw samples
// of 15 min are ~90 wide rows per group (per-partition JSON), the rollups 15 narrow ones.
import type { Db } from '../adapters/prisma/client';
import { etaOf, filterAndSort, type ConsumerListQuery } from './consumer-view';
import { latestLagSummaries, secondsLabel } from './latest-lag-rows';
import { getSamplerStatus } from './sampler-status';

export const SPARKLINE_SECONDS = 15 * 60;
/** Groups returned per request; `total`/`matched` say how many there are. */
export const LIST_LIMIT = 500;

/** Highest lag per minute over the last 15 min (the sampler folds every tick into its minute at once); one row per group. */
async function sparklines(db: Db, groupIds: string[], now: Date): Promise<Map<string, { at: string; lag: number | null }[]>> {
  const out = new Map<string, { at: string; lag: number | null }[]>();
  if (groupIds.length === 0) return out;
  const since = new Date(now.getTime() - SPARKLINE_SECONDS * 1000);
  // Points come out of the database in their final shape (ISO time, lag): one JSON.parse per group, no Date per point.
  const rows = await db.$queryRaw<Array<{ group_id: string; points: string }>>`
    SELECT group_id,
           json_agg(json_build_object('at', to_char(bucket AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'lag', max_lag) ORDER BY bucket)::text AS points
    FROM lag_rollups_1m
    WHERE group_id = ANY(${groupIds}::text[]) AND bucket >= date_trunc('minute', ${since}::timestamptz)
    GROUP BY group_id`;
  for (const r of rows) out.set(r.group_id, JSON.parse(r.points) as { at: string; lag: number | null }[]);
  return out;
}

export async function listConsumerGroups(db: Db, now: Date, query: ConsumerListQuery) {
  const [sampler, rows] = await Promise.all([getSamplerStatus(db, now), latestLagSummaries(db, { topics: true })]);
  const matched = filterAndSort(rows, query);
  const page = matched.slice(0, LIST_LIMIT);
  const lines = await sparklines(
    db,
    page.map((r) => r.groupId),
    now,
  );
  return {
    at: now.toISOString(),
    sampler,
    sampledAt: rows[0]?.at.toISOString() ?? null,
    query,
    total: rows.length,
    matched: matched.length,
    topics: [...new Set(rows.flatMap((r) => r.topics))].sort(),
    groups: page.map((r) => ({
      groupId: r.groupId,
      state: r.state,
      members: r.members,
      status: r.status,
      evidence: r.evidence,
      lag: r.lag,
      replayLag: r.replayLag,
      secondsBehind: r.secondsBehind,
      secondsLabel: secondsLabel(r.secondsSource),
      noCommitPartitions: r.noCommitPartitions,
      dataLossPartitions: r.dataLossPartitions,
      eta: etaOf(r.lag, r.etaSeconds, r.consumeRate, r.produceRate),
      topics: r.topics,
      sparkline: lines.get(r.groupId) ?? [],
    })),
  };
}

export type ConsumerGroupList = Awaited<ReturnType<typeof listConsumerGroups>>;
export type ListedConsumerGroup = ConsumerGroupList['groups'][number];
