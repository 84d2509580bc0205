// The Consumers list (and GET /api/consumers): every group of the sampler's latest tick
// with its status and evidence, lag in messages and seconds (exact or estimate), drain
// ETA and a sparkline of the last 15 min; filtered and sorted as the URL says (default:
// seconds behind, worst first). Sparklines only for the returned page, from the raw
// samples through the primary key (group_id, at).
import type { Db } from '../adapters/prisma/client';
import { etaOf, filterAndSort, type ConsumerListQuery } from './consumer-view';
import { latestLagRows, secondsLabel } from './latest-lag-rows';
import { getSamplerStatus } from './sampler-status';

export const SPARKLINE_SECONDS = 15 * 60;
const SPARKLINE_BUCKET_SECONDS = 30;
/** Groups returned per request; `total`/`matched` say how many there are. */
export const LIST_LIMIT = 500;

async function sparklines(db: Db, groupIds: string[], now: Date): Promise<Map<string, { at: string; lag: number | null }[]>> {
  const out = new Map<string, { at: string; lag: number | null }[]>();
  if (groupIds.length === 0) return out;
  const since = new Date(now.getTime() - SPARKLINE_SECONDS * 1000);
  const rows = await db.$queryRaw<Array<{ group_id: string; bucket: Date; lag: bigint | null }>>`
    SELECT group_id, to_timestamp(floor(extract(epoch FROM at) / ${SPARKLINE_BUCKET_SECONDS}) * ${SPARKLINE_BUCKET_SECONDS}) AS bucket, max(lag) AS lag
    FROM lag_samples WHERE group_id = ANY(${groupIds}::text[]) AND at >= ${since}
    GROUP BY 1, 2 ORDER BY 1, 2`;
  for (const r of rows) {
    const list = out.get(r.group_id) ?? [];
    list.push({ at: r.bucket.toISOString(), lag: r.lag === null ? null : Number(r.lag) });
    out.set(r.group_id, list);
  }
  return out;
}

export async function listConsumerGroups(db: Db, now: Date, query: ConsumerListQuery) {
  const [sampler, rows] = await Promise.all([getSamplerStatus(db, now), latestLagRows(db)]);
  const matched = filterAndSort(rows, query);
  const page = matched.slice(0, LIST_LIMIT);
  const lines = await sparklines(db, page.map((r) => r.groupId), now);
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
