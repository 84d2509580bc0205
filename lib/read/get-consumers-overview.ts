// The Overview's consumer tiles: groups by status, the worst seconds behind, open DLQ and
// its inflow, outbox backlog and oldest unpublished age, relay throughput and liveness,
// sampler freshness. From the sample tables and bounded index reads only (docs/consumer-lag.md,
// "Screens"); the DLQ figures from dlq_messages (status index) and consumer_attempts (at index).
import type { Db } from '../adapters/prisma/client';
import { countByStatus } from './consumer-view';
import { latestLagSummaries, secondsLabel } from './latest-lag-rows';
import { getRelayStatus, getSamplerStatus } from './sampler-status';
import { STATUS_SEVERITY } from '../domain/lag/health';

export const DLQ_INFLOW_WINDOW_SECONDS = 15 * 60;
export const RELAY_RATE_WINDOW_SECONDS = 5 * 60;

async function outboxFigures(db: Db, now: Date) {
  const since = new Date(now.getTime() - RELAY_RATE_WINDOW_SECONDS * 1000);
  const [row] = await db.$queryRaw<
    Array<{
      at: Date | null;
      backlog: bigint | null;
      oldest: Date | null;
      relay_rate: number | null;
      published: bigint | null;
      first_at: Date | null;
    }>
  >`
    SELECT l.at, l.backlog, l.oldest_unpublished_at AS oldest, l.relay_rate, w.published, w.first_at
    FROM (SELECT 1) one
    LEFT JOIN LATERAL (SELECT at, backlog, oldest_unpublished_at, relay_rate FROM outbox_samples ORDER BY at DESC LIMIT 1) l ON true
    LEFT JOIN LATERAL (SELECT sum(published) AS published, min(at) AS first_at FROM outbox_samples WHERE at > ${since}) w ON true`;
  const sampledAt = row?.at ?? null;
  const spanSeconds = sampledAt && row?.first_at ? Math.max(1, (sampledAt.getTime() - row.first_at.getTime()) / 1000) : null;
  return {
    sampledAt: sampledAt?.toISOString() ?? null,
    backlog: row?.backlog === null || row?.backlog === undefined ? null : Number(row.backlog),
    oldestUnpublishedAt: row?.oldest?.toISOString() ?? null,
    oldestAgeSeconds: row?.oldest && sampledAt ? Math.max(0, (now.getTime() - row.oldest.getTime()) / 1000) : null,
    relayRateNow: row?.relay_rate ?? null,
    /** Mean published per second over the rate window (samples' `published` summed over their span). */
    relayRate: spanSeconds && row?.published !== null && row?.published !== undefined ? Number(row.published) / spanSeconds : null,
  };
}

async function dlqFigures(db: Db, now: Date) {
  const since = new Date(now.getTime() - DLQ_INFLOW_WINDOW_SECONDS * 1000);
  const [row] = await db.$queryRaw<Array<{ open: bigint; inflow: bigint }>>`
    SELECT (SELECT count(*) FROM dlq_messages WHERE status = 'open') AS open,
           (SELECT count(*) FROM consumer_attempts WHERE at >= ${since} AND outcome = 'dead_lettered') AS inflow`;
  const inflow = Number(row?.inflow ?? 0);
  return {
    open: Number(row?.open ?? 0),
    inflowInWindow: inflow,
    inflowPerMinute: inflow / (DLQ_INFLOW_WINDOW_SECONDS / 60),
    windowSeconds: DLQ_INFLOW_WINDOW_SECONDS,
  };
}

export async function getConsumersOverview(db: Db, now: Date) {
  const [sampler, relay, rows, outbox, dlq] = await Promise.all([
    getSamplerStatus(db, now),
    getRelayStatus(db, now),
    latestLagSummaries(db, { topics: false }),
    outboxFigures(db, now),
    dlqFigures(db, now),
  ]);
  const worst = [...rows].sort(
    (a, b) =>
      (b.secondsBehind ?? -1) - (a.secondsBehind ?? -1) ||
      STATUS_SEVERITY[b.status] - STATUS_SEVERITY[a.status] ||
      a.groupId.localeCompare(b.groupId),
  )[0];
  return {
    at: now.toISOString(),
    sampler,
    sampledAt: rows[0]?.at.toISOString() ?? null,
    groups: { total: rows.length, byStatus: countByStatus(rows.map((r) => r.status)) },
    worst: worst
      ? {
          groupId: worst.groupId,
          status: worst.status,
          evidence: worst.evidence,
          lag: worst.lag,
          secondsBehind: worst.secondsBehind,
          secondsLabel: secondsLabel(worst.secondsSource),
        }
      : null,
    dlq,
    outbox,
    relay,
  };
}

export type ConsumersOverview = Awaited<ReturnType<typeof getConsumersOverview>>;
