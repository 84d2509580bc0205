// The outbox panel (and GET /api/outbox): backlog, oldest unpublished age and relay rate
// over a window (outbox_samples up to 24 h, outbox_rollups_1m for 7 d, bucketed), the
// relay's liveness, and the oldest unpublished rows with their last publish error. Those
// rows come from the partial index of unpublished rows, one probe per lane (the index is
// ordered by (lane, position)), so the cost does not grow with the event log.
import type { Db } from '../adapters/prisma/client';
import { LANE_COUNT } from '../domain/lanes';
import { windowPlan, type HistoryWindow } from './consumer-view';
import { getRelayStatus, getSamplerStatus } from './sampler-status';

export const OLDEST_ROWS = 20;

async function series(db: Db, since: Date, source: 'raw' | 'rollup', bucket: number) {
  const rows =
    source === 'raw'
      ? await db.$queryRawUnsafe<Array<{ bucket: Date; backlog: bigint; oldest_age: number | null; rate: number }>>(
          `SELECT to_timestamp(floor(extract(epoch FROM at) / $2) * $2) AS bucket, max(backlog) AS backlog,
                  max(extract(epoch FROM (at - oldest_unpublished_at)))::float8 AS oldest_age, avg(relay_rate)::float8 AS rate
           FROM outbox_samples WHERE at >= $1 GROUP BY 1 ORDER BY 1`,
          since,
          bucket,
        )
      : await db.$queryRawUnsafe<Array<{ bucket: Date; backlog: bigint; oldest_age: number | null; rate: number }>>(
          `SELECT to_timestamp(floor(extract(epoch FROM bucket) / $2) * $2) AS bucket, max(max_backlog) AS backlog,
                  max(max_oldest_age_sec)::float8 AS oldest_age, (sum(published) / $2::float8)::float8 AS rate
           FROM outbox_rollups_1m WHERE bucket >= $1 GROUP BY 1 ORDER BY 1`,
          since,
          bucket,
        );
  return rows.map((r) => ({
    at: r.bucket.toISOString(),
    backlog: Number(r.backlog),
    oldestAgeSeconds: r.oldest_age === null ? null : Math.max(0, r.oldest_age),
    // Raw: the mean of the samples' own rates (published / their interval); rollups: published per bucket.
    relayRate: r.rate,
  }));
}

async function oldestUnpublished(db: Db) {
  const rows = await db.$queryRaw<
    Array<{ position: bigint; event_id: string; type: string; subject: string; topic: string; created_at: Date; publish_attempts: number; last_error: string | null }>
  >`
    SELECT o.position, o.event_id, o.type, o.subject, o.topic, o.created_at, o.publish_attempts, o.last_error
    FROM generate_series(0, ${LANE_COUNT - 1}::int) AS l(lane),
    LATERAL (SELECT position, event_id, type, subject, topic, created_at, publish_attempts, last_error FROM outbox_events
             WHERE published_at IS NULL AND lane = l.lane ORDER BY position LIMIT ${OLDEST_ROWS}) o
    ORDER BY o.position LIMIT ${OLDEST_ROWS}`;
  return rows.map((r) => ({
    position: Number(r.position),
    eventId: r.event_id,
    type: r.type,
    subject: r.subject,
    topic: r.topic,
    createdAt: r.created_at.toISOString(),
    publishAttempts: r.publish_attempts,
    lastError: r.last_error,
  }));
}

export async function getOutboxPanel(db: Db, now: Date, window: HistoryWindow) {
  const plan = windowPlan(window);
  const since = new Date(now.getTime() - plan.ms);
  const [relay, sampler, points, oldest, latest] = await Promise.all([
    getRelayStatus(db, now),
    getSamplerStatus(db, now),
    series(db, since, plan.source, plan.bucketSeconds),
    oldestUnpublished(db),
    db.$queryRaw<Array<{ at: Date; backlog: bigint; oldest_unpublished_at: Date | null; relay_rate: number }>>`
      SELECT at, backlog, oldest_unpublished_at, relay_rate FROM outbox_samples ORDER BY at DESC LIMIT 1`,
  ]);
  const last = latest[0];
  return {
    at: now.toISOString(),
    sampler,
    relay,
    latest: last
      ? {
          sampledAt: last.at.toISOString(),
          backlog: Number(last.backlog),
          oldestUnpublishedAt: last.oldest_unpublished_at?.toISOString() ?? null,
          relayRate: last.relay_rate,
        }
      : null,
    window,
    seriesSource: plan.source,
    bucketSeconds: plan.bucketSeconds,
    series: points,
    oldest,
  };
}

export type OutboxPanel = Awaited<ReturnType<typeof getOutboxPanel>>;
