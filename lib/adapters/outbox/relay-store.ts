// The relay's database side: one transaction per batch that locks lanes, claims
// their unpublished rows in log order, and records the outcome (published with
// partition/offset, or a failed attempt). Plain `pg` on purpose: this is the hot
// path, and the batch needs one connection held across the Kafka publish.
import type pg from 'pg';
import { LANE_COUNT } from '../../domain/lanes';
import { claimablePrefix, type Placement } from './relay-messages';

/** First key of the relay's transaction-scoped advisory locks; the second is the lane. */
export const RELAY_LANE_LOCK = 0x0b0c_5e1a;

export interface ClaimedRow {
  position: string;
  eventId: string;
  type: string;
  version: number;
  subject: string;
  lane: number;
  topic: string;
  traceparent: string;
  /** The JSON envelope as stored (jsonb text), sent as the message value unchanged. */
  envelope: string;
  headers: Record<string, unknown>;
}

export interface ClaimedBatch {
  lanes: number[];
  rows: ClaimedRow[];
  /** placements[i] belongs to rows[i]. */
  markPublished(placements: readonly Placement[], at: Date): Promise<void>;
  recordFailure(message: string): Promise<void>;
}

export interface ClaimOptions {
  batchSize: number;
  lanesPerClaim: number;
  /** Lanes are tried from here on (wrapping), so relays started together spread out. */
  startLane: number;
}

// Lanes with visible unpublished rows, tried in rotated order, up to the limit. The
// CTE is MATERIALIZED so the LIMIT applies before any lock is tried.
const LOCK_LANES = `
  WITH candidate AS MATERIALIZED (
    SELECT l.lane FROM generate_series(0, $1::int - 1) AS l(lane)
    WHERE EXISTS (SELECT 1 FROM outbox_events o WHERE o.lane = l.lane AND o.published_at IS NULL)
    ORDER BY (l.lane - $2::int + $1::int) % $1::int
    LIMIT $3::int
  )
  SELECT lane FROM candidate WHERE pg_try_advisory_xact_lock($4::int, lane)`;

// Each held lane's oldest unpublished rows (at most $2 per lane, read through the
// partial index; $3 in all), then row locks with SKIP LOCKED. Skipped rows come back
// with locked = false so the caller can stop each lane before its first gap.
const CLAIM_ROWS = `
  WITH candidate AS MATERIALIZED (
    SELECT c.position, l.lane FROM unnest($1::smallint[]) AS l(lane)
    CROSS JOIN LATERAL (
      SELECT o.position FROM outbox_events o
      WHERE o.lane = l.lane AND o.published_at IS NULL
      ORDER BY o.position LIMIT $2::int
    ) c
  ), locked AS (
    SELECT o.* FROM outbox_events o
    WHERE o.position IN (SELECT position FROM candidate) AND o.published_at IS NULL
    FOR UPDATE SKIP LOCKED
  )
  SELECT c.position::text AS position, c.lane::int AS lane, k.position IS NOT NULL AS locked,
         k.event_id::text AS "eventId", k.type, k.version, k.subject, k.topic,
         k.traceparent, k.envelope::text AS envelope, k.headers
  FROM candidate c LEFT JOIN locked k ON k.position = c.position
  ORDER BY c.position
  LIMIT $3::int`;

const MARK_PUBLISHED = `
  UPDATE outbox_events AS o
  SET published_at = $1, partition = u.partition, "offset" = u.off, publish_attempts = o.publish_attempts + 1
  FROM unnest($2::bigint[], $3::int[], $4::bigint[]) AS u(position, partition, off)
  WHERE o.position = u.position`;

const RECORD_FAILURE = `
  UPDATE outbox_events SET publish_attempts = publish_attempts + 1, last_error = $2
  WHERE position = ANY($1::bigint[])`;

type ClaimRowResult = ClaimedRow & { locked: boolean };

/**
 * Runs fn with a claimed batch (possibly empty) inside one transaction and commits
 * what fn recorded. If fn throws, everything rolls back and the rows stay claimable.
 */
export async function withClaimedBatch<T>(pool: pg.Pool, options: ClaimOptions, fn: (batch: ClaimedBatch) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const lanes = await lockLanes(client, options);
    // A fair share per lane: a long backlog costs one batch's worth of reads per batch, not one per lane.
    const rows = lanes.length === 0 ? [] : await claimRows(client, lanes, Math.ceil(options.batchSize / lanes.length), options.batchSize);
    const result = await fn({
      lanes,
      rows,
      markPublished: async (placements, at) => {
        if (placements.length !== rows.length) throw new Error('markPublished needs one placement per claimed row');
        await client.query(MARK_PUBLISHED, [at, rows.map((r) => r.position), placements.map((p) => p.partition), placements.map((p) => p.offset)]);
      },
      recordFailure: async (message) => {
        await client.query(RECORD_FAILURE, [rows.map((r) => r.position), message.slice(0, 2_000)]);
      },
    });
    await client.query('COMMIT');
    client.release();
    return result;
  } catch (error) {
    // The advisory and row locks go with the transaction. A connection that cannot
    // even roll back is discarded instead of going back to the pool.
    await client.query('ROLLBACK').then(
      () => client.release(),
      (e: Error) => client.release(e),
    );
    throw error;
  }
}

async function lockLanes(client: pg.PoolClient, options: ClaimOptions): Promise<number[]> {
  // More lanes than rows in a batch would only be held, not used.
  const maxLanes = Math.min(options.lanesPerClaim, options.batchSize);
  const { rows } = await client.query<{ lane: number }>(LOCK_LANES, [LANE_COUNT, options.startLane % LANE_COUNT, maxLanes, RELAY_LANE_LOCK]);
  return rows.map((r) => r.lane);
}

async function claimRows(client: pg.PoolClient, lanes: number[], perLane: number, limit: number): Promise<ClaimedRow[]> {
  const { rows } = await client.query<ClaimRowResult>(CLAIM_ROWS, [lanes, perLane, limit]);
  return claimablePrefix(rows).map(({ locked: _locked, ...row }) => row);
}
