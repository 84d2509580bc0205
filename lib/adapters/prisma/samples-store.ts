// Where the lag sampler writes: raw lag and outbox samples, 1-minute rollups, retention,
// and the generic process heartbeats. Plain `pg` with set-based SQL: one statement per
// tick for 1,000 groups, not 1,000 Prisma calls.
import type pg from 'pg';
import type { LagStatus } from '../../domain/lag/health';

export type Queryable = Pick<pg.ClientBase, 'query'>;

export interface LagSampleRow {
  at: Date;
  groupId: string;
  state: string;
  members: number;
  status: LagStatus;
  evidence: string;
  lag: number | null;
  replayLag: number | null;
  noCommitPartitions: number;
  dataLossPartitions: number;
  secondsBehind: number | null;
  secondsSource: string | null;
  consumeRate: number | null;
  produceRate: number | null;
  etaSeconds: number | null;
  /** [topic, partition, logStart, end, committed | null, memberId | null, secondsBehind | null]; rows written before the last two were added have five. */
  partitions: [string, number, number, number, number | null, (string | null)?, (number | null)?][];
}

export async function insertLagSamples(db: Queryable, rows: readonly LagSampleRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO lag_samples (at, group_id, state, members, status, evidence, lag, replay_lag, no_commit_partitions,
       data_loss_partitions, seconds_behind, seconds_source, consume_rate, produce_rate, eta_seconds, partitions)
     SELECT r.at, r."groupId", r.state, r.members, r.status, r.evidence, r.lag, r."replayLag", r."noCommitPartitions",
       r."dataLossPartitions", r."secondsBehind", r."secondsSource", r."consumeRate", r."produceRate", r."etaSeconds", r.partitions
     FROM jsonb_to_recordset($1::jsonb) AS r(at timestamptz, "groupId" text, state text, members int, status text, evidence text,
       lag bigint, "replayLag" bigint, "noCommitPartitions" int, "dataLossPartitions" int, "secondsBehind" float8,
       "secondsSource" text, "consumeRate" float8, "produceRate" float8, "etaSeconds" float8, partitions jsonb)
     ON CONFLICT (group_id, at) DO NOTHING`,
    [JSON.stringify(rows)],
  );
}

/** Outbox backlog, oldest unpublished row and rows published since the previous sample. */
export async function insertOutboxSample(db: Queryable, at: Date, previousAt: Date | null): Promise<void> {
  await db.query(
    `WITH backlog AS (SELECT count(*) AS n, min(created_at) AS oldest FROM outbox_events WHERE published_at IS NULL),
          published AS (SELECT count(*) AS n FROM outbox_events WHERE $2::timestamptz IS NOT NULL AND published_at > $2 AND published_at <= $1)
     INSERT INTO outbox_samples (at, backlog, oldest_unpublished_at, published, relay_rate)
     SELECT $1, backlog.n, backlog.oldest, published.n,
            CASE WHEN $2::timestamptz IS NULL THEN 0 ELSE published.n / GREATEST(EXTRACT(EPOCH FROM ($1 - $2)), 0.001) END
     FROM backlog, published
     ON CONFLICT (at) DO NOTHING`,
    [at, previousAt],
  );
}

const SEVERITY = `CASE status WHEN 'ERR' THEN 5 WHEN 'STOP' THEN 4 WHEN 'STALL' THEN 3 WHEN 'REWIND' THEN 2 WHEN 'WARN' THEN 1 ELSE 0 END`;

/** Folds raw samples since `since` into 1-minute rows; re-running a minute rewrites it. */
export async function rollUp(db: Queryable, since: Date): Promise<void> {
  await db.query(
    `INSERT INTO lag_rollups_1m (bucket, group_id, samples, max_lag, avg_lag, max_seconds, worst_status, last_status)
     SELECT date_trunc('minute', at), group_id, count(*), max(lag), avg(lag), max(seconds_behind),
            (array_agg(status ORDER BY ${SEVERITY} DESC))[1], (array_agg(status ORDER BY at DESC))[1]
     FROM lag_samples WHERE at >= date_trunc('minute', $1::timestamptz) GROUP BY 1, 2
     ON CONFLICT (group_id, bucket) DO UPDATE SET samples = EXCLUDED.samples, max_lag = EXCLUDED.max_lag, avg_lag = EXCLUDED.avg_lag,
       max_seconds = EXCLUDED.max_seconds, worst_status = EXCLUDED.worst_status, last_status = EXCLUDED.last_status`,
    [since],
  );
  await db.query(
    `INSERT INTO outbox_rollups_1m (bucket, samples, max_backlog, max_oldest_age_sec, published)
     SELECT date_trunc('minute', at), count(*), max(backlog), max(EXTRACT(EPOCH FROM (at - oldest_unpublished_at))), sum(published)
     FROM outbox_samples WHERE at >= date_trunc('minute', $1::timestamptz) GROUP BY 1
     ON CONFLICT (bucket) DO UPDATE SET samples = EXCLUDED.samples, max_backlog = EXCLUDED.max_backlog,
       max_oldest_age_sec = EXCLUDED.max_oldest_age_sec, published = EXCLUDED.published`,
    [since],
  );
}

/** Deletes raw samples older than `rawBefore` and rollups older than `rollupBefore`. */
export async function pruneSamples(db: Queryable, rawBefore: Date, rollupBefore: Date): Promise<number> {
  let deleted = 0;
  for (const [table, column, before] of [
    ['lag_samples', 'at', rawBefore],
    ['outbox_samples', 'at', rawBefore],
    ['lag_rollups_1m', 'bucket', rollupBefore],
    ['outbox_rollups_1m', 'bucket', rollupBefore],
  ] as const) {
    deleted += (await db.query(`DELETE FROM ${table} WHERE ${column} < $1`, [before])).rowCount ?? 0;
  }
  return deleted;
}

/** published_at of the outbox rows at these coordinates (found through their index). */
export async function publishedAtOf(db: Queryable, coords: readonly { topic: string; partition: number; offset: number }[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (coords.length === 0) return out;
  const { rows } = await db.query<{ topic: string; partition: number; offset: string; published_at: Date }>(
    `SELECT o.topic, o.partition, o."offset", o.published_at
     FROM unnest($1::text[], $2::int[], $3::bigint[]) AS w(topic, partition, "offset")
     JOIN outbox_events o ON o.topic = w.topic AND o.partition = w.partition AND o."offset" = w."offset"
     WHERE o.published_at IS NOT NULL`,
    [coords.map((c) => c.topic), coords.map((c) => c.partition), coords.map((c) => c.offset)],
  );
  for (const r of rows) out.set(`${r.topic}/${r.partition}/${r.offset}`, r.published_at.getTime());
  return out;
}

export async function beat(db: Queryable, kind: string, instance: string, details: Record<string, unknown>): Promise<void> {
  await db.query(
    `INSERT INTO process_heartbeats (kind, instance, started_at, last_beat_at, details) VALUES ($1, $2, now(), now(), $3)
     ON CONFLICT (kind, instance) DO UPDATE SET last_beat_at = now(), details = EXCLUDED.details`,
    [kind, instance, JSON.stringify(details)],
  );
}

/** Recent raw samples, oldest first: a sampler that takes over rebuilds its window from them. */
export async function recentLagSamples(db: Queryable, since: Date) {
  const { rows } = await db.query<{ at: Date; group_id: string; members: number; status: string; evidence: string; partitions: LagSampleRow['partitions'] }>(
    `SELECT at, group_id, members, status, evidence, partitions FROM lag_samples WHERE at >= $1 ORDER BY at`,
    [since],
  );
  return rows;
}
