// The Overview's live figures: is traffic flowing through the outbox, the
// consumers and the projections, and what is failing. Every query is bounded by
// an index and a time window or a cap, never by the size of a table: the outbox
// is the event log and only grows (docs/console.md, "Query cost").
import type { Db } from '../adapters/prisma/client';
import { LANE_COUNT } from '../domain/lanes';
import { backlogHealth, consumerHealth } from './pulse-health';

export const PULSE_WINDOW_SECONDS = 300;
const BUCKET_SECONDS = 15;
/** The backlog is counted exactly up to this many rows, then shown as "at least". */
export const BACKLOG_COUNT_CAP = 100_000;

async function outboxFigures(db: Db, since: Date) {
  // Unpublished rows through the partial index (it holds only those), capped;
  // the oldest one per lane (LANE_COUNT index probes, not a sort of the backlog);
  // the log's last position from the primary key instead of count(*) over the log.
  const [row] = await db.$queryRaw<Array<{ unpublished: bigint; oldest_unpublished: Date | null; last_position: bigint | null; published_window: bigint }>>`
    SELECT (SELECT count(*) FROM (SELECT 1 FROM outbox_events WHERE published_at IS NULL LIMIT ${BACKLOG_COUNT_CAP + 1}) capped) AS unpublished,
           (SELECT min(o.created_at) FROM generate_series(0, ${LANE_COUNT - 1}::int) AS l(lane),
              LATERAL (SELECT created_at FROM outbox_events
                       WHERE published_at IS NULL AND lane = l.lane ORDER BY position LIMIT 1) o) AS oldest_unpublished,
           (SELECT max(position) FROM outbox_events) AS last_position,
           (SELECT count(*) FROM outbox_events WHERE published_at >= ${since}) AS published_window`;
  const unpublished = Number(row?.unpublished ?? 0);
  return {
    unpublished: Math.min(unpublished, BACKLOG_COUNT_CAP),
    unpublishedCapped: unpublished > BACKLOG_COUNT_CAP,
    oldestUnpublishedAt: row?.oldest_unpublished ?? null,
    lastPosition: row?.last_position === null || row?.last_position === undefined ? null : Number(row.last_position),
    publishedInWindow: Number(row?.published_window ?? 0),
  };
}

type ConsumerFigures = { consumer: string; applied: number; duplicates: number; retries: number; deadLettered: number; lastActivityAt: string | null; dlqOpen: number };

async function consumerFigures(db: Db, since: Date): Promise<ConsumerFigures[]> {
  const attempts = await db.$queryRaw<Array<{ consumer: string; outcome: string; n: bigint; last_at: Date }>>`
    SELECT consumer, outcome::text AS outcome, count(*) AS n, max(at) AS last_at
    FROM consumer_attempts WHERE at >= ${since} GROUP BY 1, 2`;
  const dlq = await db.$queryRaw<Array<{ consumer: string; open: bigint }>>`
    SELECT consumer, count(*) AS open FROM dlq_messages WHERE status = 'open' GROUP BY 1`;
  const consumers = new Map<string, ConsumerFigures>();
  const entry = (consumer: string) => {
    let e = consumers.get(consumer);
    if (!e) consumers.set(consumer, (e = { consumer, applied: 0, duplicates: 0, retries: 0, deadLettered: 0, lastActivityAt: null, dlqOpen: 0 }));
    return e;
  };
  for (const a of attempts) {
    const e = entry(a.consumer);
    const n = Number(a.n);
    if (a.outcome === 'ok') e.applied += n;
    else if (a.outcome === 'duplicate') e.duplicates += n;
    else if (a.outcome === 'retry') e.retries += n;
    else if (a.outcome === 'dead_lettered') e.deadLettered += n;
    const at = a.last_at.toISOString();
    if (!e.lastActivityAt || at > e.lastActivityAt) e.lastActivityAt = at;
  }
  for (const d of dlq) entry(d.consumer).dlqOpen = Number(d.open);
  return [...consumers.values()].sort((a, b) => a.consumer.localeCompare(b.consumer));
}

export async function getSystemPulse(db: Db, now: Date) {
  const since = new Date(now.getTime() - PULSE_WINDOW_SECONDS * 1000);
  const outbox = await outboxFigures(db, since);
  const published = await db.$queryRaw<Array<{ bucket: Date; n: bigint }>>`
    SELECT to_timestamp(floor(extract(epoch FROM published_at) / ${BUCKET_SECONDS}) * ${BUCKET_SECONDS}) AS bucket, count(*) AS n
    FROM outbox_events WHERE published_at >= ${since} GROUP BY 1 ORDER BY 1`;
  const consumers = await consumerFigures(db, since);
  const checkpoints = await db.$queryRaw<Array<{ projection: string; applied: bigint; updated_at: Date }>>`
    SELECT projection, sum(events_applied) AS applied, max(updated_at) AS updated_at FROM projection_checkpoints GROUP BY 1 ORDER BY 1`;

  return {
    at: now.toISOString(),
    windowSeconds: PULSE_WINDOW_SECONDS,
    bucketSeconds: BUCKET_SECONDS,
    outbox: {
      ...outbox,
      oldestUnpublishedAt: outbox.oldestUnpublishedAt?.toISOString() ?? null,
      health: backlogHealth(outbox, now),
    },
    publishedSeries: published.map((p) => ({ at: p.bucket.toISOString(), events: Number(p.n) })),
    consumers: consumers.map((c) => ({ ...c, health: consumerHealth(c) })),
    projections: checkpoints.map((c) => ({ projection: c.projection, eventsApplied: Number(c.applied), updatedAt: c.updated_at.toISOString() })),
  };
}
export type SystemPulse = Awaited<ReturnType<typeof getSystemPulse>>;
