// One consumer group's page (and GET /api/consumers/{group}): the latest sample as a
// per-partition table (committed, end, lag, seconds, member) and its members; lag and
// rate series over 15 min / 1 h / 24 h (raw samples) or 7 d (1-minute rollups), bucketed
// to at most ~200 points; status changes over the window; open DLQ rows of its consumer.
// Every query is a range on a primary key: (group_id, at) or (group_id, bucket).
import type { Db } from '../adapters/prisma/client';
import { isReplayTopic } from '../backbone/consumer-definition';
import { AppError } from '../errors';
import { etaOf, statusChanges, windowPlan, type HistoryWindow } from './consumer-view';
import { consumerOfGroup, latestLagRowOf, secondsLabel, type LagRow } from './latest-lag-rows';
import { getSamplerStatus } from './sampler-status';

const severity = (column: string) => `CASE ${column} WHEN 'ERR' THEN 5 WHEN 'STOP' THEN 4 WHEN 'STALL' THEN 3 WHEN 'REWIND' THEN 2 WHEN 'WARN' THEN 1 ELSE 0 END`;

export interface SeriesPoint {
  at: string;
  lag: number | null;
  seconds: number | null;
  consumeRate: number | null;
  produceRate: number | null;
  status: string;
}

function partitionsOf(row: LagRow) {
  return row.partitions.map(([topic, partition, logStart, end, committed, memberId, seconds]) => {
    const dataLoss = committed !== null && committed < logStart;
    return {
      topic,
      partition,
      replay: isReplayTopic(topic),
      logStart,
      end,
      committed,
      lag: committed === null ? null : Math.max(0, end - committed),
      seconds: seconds ?? null,
      member: memberId ?? null,
      noCommit: committed === null,
      dataLoss,
      lost: dataLoss ? logStart - committed : 0,
    };
  });
}

async function rawSeries(db: Db, groupId: string, since: Date, bucket: number): Promise<SeriesPoint[]> {
  const rows = await db.$queryRawUnsafe<Array<{ bucket: Date; lag: bigint | null; seconds: number | null; consume: number | null; produce: number | null; status: string }>>(
    `SELECT to_timestamp(floor(extract(epoch FROM at) / $3) * $3) AS bucket, max(lag) AS lag, max(seconds_behind) AS seconds,
            avg(consume_rate) AS consume, avg(produce_rate) AS produce, (array_agg(status ORDER BY ${severity('status')} DESC))[1] AS status
     FROM lag_samples WHERE group_id = $1 AND at >= $2 GROUP BY 1 ORDER BY 1`,
    groupId,
    since,
    bucket,
  );
  return rows.map((r) => ({ at: r.bucket.toISOString(), lag: r.lag === null ? null : Number(r.lag), seconds: r.seconds, consumeRate: r.consume, produceRate: r.produce, status: r.status }));
}

async function rollupSeries(db: Db, groupId: string, since: Date, bucket: number): Promise<SeriesPoint[]> {
  const rows = await db.$queryRawUnsafe<Array<{ bucket: Date; lag: bigint | null; seconds: number | null; status: string }>>(
    `SELECT to_timestamp(floor(extract(epoch FROM bucket) / $3) * $3) AS bucket, max(max_lag) AS lag, max(max_seconds) AS seconds,
            (array_agg(worst_status ORDER BY ${severity('worst_status')} DESC))[1] AS status
     FROM lag_rollups_1m WHERE group_id = $1 AND bucket >= $2 GROUP BY 1 ORDER BY 1`,
    groupId,
    since,
    bucket,
  );
  return rows.map((r) => ({ at: r.bucket.toISOString(), lag: r.lag === null ? null : Number(r.lag), seconds: r.seconds, consumeRate: null, produceRate: null, status: r.status }));
}

/** Status changes at sample resolution over the window (raw) or per minute (rollups). */
async function statusHistory(db: Db, groupId: string, since: Date, source: 'raw' | 'rollup') {
  const rows =
    source === 'raw'
      ? await db.$queryRaw<Array<{ at: Date; status: string; evidence: string | null }>>`
          SELECT at, status, evidence FROM (
            SELECT at, status, evidence, lag(status) OVER (ORDER BY at) AS previous FROM lag_samples WHERE group_id = ${groupId} AND at >= ${since}
          ) s WHERE previous IS DISTINCT FROM status ORDER BY at DESC LIMIT 100`
      : await db.$queryRaw<Array<{ at: Date; status: string; evidence: string | null }>>`
          SELECT bucket AS at, last_status AS status, NULL AS evidence FROM (
            SELECT bucket, last_status, lag(last_status) OVER (ORDER BY bucket) AS previous FROM lag_rollups_1m WHERE group_id = ${groupId} AND bucket >= ${since}
          ) s WHERE previous IS DISTINCT FROM last_status ORDER BY bucket DESC LIMIT 100`;
  // Rows arrive as changes already, newest first; statusChanges keeps its shape for callers.
  return statusChanges(rows.reverse().map((r) => ({ at: r.at.toISOString(), status: r.status, evidence: r.evidence })));
}

export async function getConsumerGroup(db: Db, now: Date, groupId: string, window: HistoryWindow) {
  const [sampler, row] = await Promise.all([getSamplerStatus(db, now), latestLagRowOf(db, groupId)]);
  if (!row) throw new AppError('not_found', `No samples of consumer group ${groupId}: the lag sampler has not seen it (within the last 24 h).`);
  const plan = windowPlan(window);
  const since = new Date(now.getTime() - plan.ms);
  const consumer = consumerOfGroup(groupId);
  const [series, history, dlq] = await Promise.all([
    plan.source === 'raw' ? rawSeries(db, groupId, since, plan.bucketSeconds) : rollupSeries(db, groupId, since, plan.bucketSeconds),
    statusHistory(db, groupId, since, plan.source),
    db.$queryRaw<Array<{ open: bigint }>>`SELECT count(*) AS open FROM dlq_messages WHERE consumer = ${consumer} AND status = 'open'`,
  ]);
  const partitions = partitionsOf(row);
  const members = new Map<string, string[]>();
  for (const p of partitions) if (p.member) members.set(p.member, [...(members.get(p.member) ?? []), `${p.topic}[${p.partition}]`]);
  return {
    at: now.toISOString(),
    sampler,
    sampledAt: row.at.toISOString(),
    group: {
      groupId: row.groupId,
      consumer,
      state: row.state,
      members: row.members,
      status: row.status,
      evidence: row.evidence,
      lag: row.lag,
      replayLag: row.replayLag,
      secondsBehind: row.secondsBehind,
      secondsLabel: secondsLabel(row.secondsSource),
      secondsSource: row.secondsSource,
      consumeRate: row.consumeRate,
      produceRate: row.produceRate,
      eta: etaOf(row.lag, row.etaSeconds, row.consumeRate, row.produceRate),
      noCommitPartitions: row.noCommitPartitions,
      dataLossPartitions: row.dataLossPartitions,
      dlqOpen: Number(dlq[0]?.open ?? 0),
    },
    partitions,
    /** Members holding partitions (from the assignments); `group.members` counts all. */
    memberAssignments: [...members.entries()].map(([memberId, held]) => ({ memberId, partitions: held })),
    window,
    seriesSource: plan.source,
    bucketSeconds: plan.bucketSeconds,
    series,
    statusHistory: history,
  };
}

export type ConsumerGroupDetail = Awaited<ReturnType<typeof getConsumerGroup>>;
