// The Overview's live figures: is traffic flowing through the outbox, the
// consumers and the projections, and what is failing. Cheap aggregate queries
// over indexed time ranges; later issues bring per-consumer lag and history.
import type { Db } from '../adapters/prisma/client';

export const PULSE_WINDOW_SECONDS = 300;
const BUCKET_SECONDS = 15;

export async function getSystemPulse(db: Db, now: Date) {
  const since = new Date(now.getTime() - PULSE_WINDOW_SECONDS * 1000);
  const [outbox] = await db.$queryRaw<Array<{ total: bigint; unpublished: bigint; oldest_unpublished: Date | null; published_window: bigint }>>`
    SELECT (SELECT count(*) FROM outbox_events) AS total,
           (SELECT count(*) FROM outbox_events WHERE published_at IS NULL) AS unpublished,
           (SELECT min(created_at) FROM outbox_events WHERE published_at IS NULL) AS oldest_unpublished,
           (SELECT count(*) FROM outbox_events WHERE published_at >= ${since}) AS published_window`;
  const published = await db.$queryRaw<Array<{ bucket: Date; n: bigint }>>`
    SELECT to_timestamp(floor(extract(epoch FROM published_at) / ${BUCKET_SECONDS}) * ${BUCKET_SECONDS}) AS bucket, count(*) AS n
    FROM outbox_events WHERE published_at >= ${since} GROUP BY 1 ORDER BY 1`;
  const attempts = await db.$queryRaw<Array<{ consumer: string; outcome: string; n: bigint; last_at: Date }>>`
    SELECT consumer, outcome::text AS outcome, count(*) AS n, max(at) AS last_at
    FROM consumer_attempts WHERE at >= ${since} GROUP BY 1, 2`;
  const dlq = await db.$queryRaw<Array<{ consumer: string; open: bigint }>>`
    SELECT consumer, count(*) AS open FROM dlq_messages WHERE status = 'open' GROUP BY 1`;
  const checkpoints = await db.$queryRaw<Array<{ projection: string; applied: bigint; updated_at: Date }>>`
    SELECT projection, sum(events_applied) AS applied, max(updated_at) AS updated_at FROM projection_checkpoints GROUP BY 1 ORDER BY 1`;

  const consumers = new Map<string, { consumer: string; applied: number; duplicates: number; retries: number; deadLettered: number; lastActivityAt: string | null; dlqOpen: number }>();
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

  return {
    at: now.toISOString(),
    windowSeconds: PULSE_WINDOW_SECONDS,
    bucketSeconds: BUCKET_SECONDS,
    outbox: {
      total: Number(outbox?.total ?? 0),
      unpublished: Number(outbox?.unpublished ?? 0),
      oldestUnpublishedAt: outbox?.oldest_unpublished?.toISOString() ?? null,
      publishedInWindow: Number(outbox?.published_window ?? 0),
    },
    publishedSeries: published.map((p) => ({ at: p.bucket.toISOString(), events: Number(p.n) })),
    consumers: [...consumers.values()].sort((a, b) => a.consumer.localeCompare(b.consumer)),
    projections: checkpoints.map((c) => ({ projection: c.projection, eventsApplied: Number(c.applied), updatedAt: c.updated_at.toISOString() })),
  };
}
export type SystemPulse = Awaited<ReturnType<typeof getSystemPulse>>;
