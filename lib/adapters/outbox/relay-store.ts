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
  /**
   * The claim may have left rows it could have taken behind: the batch or a lane's share
   * was full, more lanes had work than were tried, or a lane stopped at a gap.
   */
  leftBehind: boolean;
  /** placements[i] belongs to rows[i]. */
  markPublished(placements: readonly Placement[], at: Date): Promise<void>;
  recordFailure(message: string): Promise<void>;
}

export interface ClaimOptions {
  batchSize: number;
  lanesPerClaim: number;
  /** Lanes are tried from here on (wrapping), so relays started together spread out. */
  startLane: number;
  /** Lanes not to try: this relay's own batch that is still committing holds them. */
  skipLanes?: readonly number[];
}

/** Transaction-local setting that hands the lanes locked by a claim's first statement to its second. */
const HELD_LANES = 'signalbox.relay_lanes';

// One round trip: BEGIN, lock lanes, claim their rows. Several statements in one
// simple-protocol message, so the numbers are written into the text (integers checked
// below; nothing else is). Each statement still takes its own snapshot, as separate
// round trips would: the claim sees every row committed before its lanes were locked.
//
// 1. Lanes with visible unpublished rows, tried in rotated order, up to the limit (the
//    CTE is MATERIALIZED so the LIMIT applies before any lock is tried); the ones locked
//    go into HELD_LANES (reset at the end of the transaction).
// 2. Each held lane's oldest unpublished rows (a fair share of the batch per lane, read
//    through the partial index), then row locks with SKIP LOCKED. Skipped rows come
//    back with locked = false so the caller can stop each lane before its first gap.
function claimSql(options: ClaimOptions): string {
  const batch = checkedInt('batchSize', options.batchSize, 1);
  // More lanes than rows in a batch would only be held, not used.
  const maxLanes = Math.min(checkedInt('lanesPerClaim', options.lanesPerClaim, 1), batch);
  const start = checkedInt('startLane', options.startLane, 0) % LANE_COUNT;
  const skip = (options.skipLanes ?? []).map((lane) => checkedInt('skipLanes', lane, 0));
  return `BEGIN;
  WITH candidate AS MATERIALIZED (
    SELECT l.lane FROM generate_series(0, ${LANE_COUNT - 1}) AS l(lane)
    WHERE ${skip.length === 0 ? '' : `l.lane NOT IN (${skip.join(',')}) AND `}EXISTS (SELECT 1 FROM outbox_events o WHERE o.lane = l.lane AND o.published_at IS NULL)
    ORDER BY (l.lane - ${start} + ${LANE_COUNT}) % ${LANE_COUNT}
    LIMIT ${maxLanes}
  ), held AS (
    SELECT lane FROM candidate WHERE pg_try_advisory_xact_lock(${RELAY_LANE_LOCK}, lane)
  )
  SELECT set_config('${HELD_LANES}', coalesce(string_agg(lane::text, ','), ''), true) AS lanes,
         (SELECT count(*) FROM candidate)::int AS tried
  FROM held;
  WITH held AS MATERIALIZED (
    SELECT unnest(string_to_array(nullif(current_setting('${HELD_LANES}', true), ''), ',')::smallint[]) AS lane
  ), candidate AS MATERIALIZED (
    SELECT c.position, l.lane FROM held l
    CROSS JOIN LATERAL (
      SELECT o.position FROM outbox_events o
      WHERE o.lane = l.lane AND o.published_at IS NULL
      ORDER BY o.position LIMIT (SELECT ceil(${batch}::numeric / greatest(count(*), 1))::int FROM held)
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
  LIMIT ${batch}`;
}

function checkedInt(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`relay claim: ${name} must be an integer >= ${min}, got ${value}`);
  return value;
}

const MARK_PUBLISHED = `
  UPDATE outbox_events AS o
  SET published_at = $1, partition = u.partition, "offset" = u.off, publish_attempts = o.publish_attempts + 1
  FROM unnest($2::bigint[], $3::int[], $4::bigint[]) AS u(position, partition, off)
  WHERE o.position = u.position`;

const RECORD_FAILURE = `
  UPDATE outbox_events SET publish_attempts = publish_attempts + 1, last_error = $2
  WHERE position = ANY($1::bigint[])`;

type ClaimRowResult = ClaimedRow & { locked: boolean };

/** A claimed batch whose transaction is still open: it holds the lanes and rows until commit() or rollback(). */
export interface OpenBatch extends ClaimedBatch {
  /** Commits what was recorded (the locks go with it) and returns the connection to the pool. */
  commit(): Promise<void>;
  /** Rolls back (the rows stay claimable) and returns the connection; one that cannot even roll back is discarded. */
  rollback(): Promise<void>;
}

/**
 * Opens a transaction, locks lanes and claims their rows (possibly none), in one round
 * trip. The caller must end it with commit() or rollback().
 */
export async function claimBatch(pool: pg.Pool, options: ClaimOptions): Promise<OpenBatch> {
  const sql = claimSql(options);
  const client = await pool.connect();
  // Checked out, the client has no 'error' listener of the pool's: a connection lost
  // while it waits (e.g. on the Kafka publish) would be an uncaught exception. The
  // loss itself surfaces as the next query's error; this only keeps it from crashing.
  client.on('error', ignoreLoss);
  let claimed: Pick<ClaimedBatch, 'lanes' | 'rows' | 'leftBehind'>;
  try {
    const results = (await client.query(sql)) as unknown as [
      pg.QueryResult,
      pg.QueryResult<{ lanes: string; tried: number }>,
      pg.QueryResult<ClaimRowResult>,
    ];
    const { lanes: held, tried } = results[1].rows[0] ?? { lanes: '', tried: 0 };
    const lanes = held === '' ? [] : held.split(',').map(Number);
    claimed = { lanes, ...readClaim(results[2].rows, lanes.length, tried, options) };
  } catch (error) {
    await rollbackAndRelease(client);
    throw error;
  }

  let ended = false;
  async function end(sql: 'COMMIT' | 'ROLLBACK'): Promise<void> {
    if (ended) return;
    ended = true;
    if (sql === 'ROLLBACK') return rollbackAndRelease(client);
    try {
      await client.query('COMMIT');
    } catch (error) {
      await rollbackAndRelease(client);
      throw error;
    }
    release(client);
  }

  const { rows } = claimed;
  return {
    ...claimed,
    markPublished: async (placements, at) => {
      if (placements.length !== rows.length) throw new Error('markPublished needs one placement per claimed row');
      await client.query(MARK_PUBLISHED, [
        at,
        rows.map((r) => r.position),
        placements.map((p) => p.partition),
        placements.map((p) => p.offset),
      ]);
    },
    recordFailure: async (message) => {
      await client.query(RECORD_FAILURE, [rows.map((r) => r.position), message.slice(0, 2_000)]);
    },
    commit: () => end('COMMIT'),
    rollback: () => end('ROLLBACK'),
  };
}

function readClaim(
  found: readonly ClaimRowResult[],
  held: number,
  tried: number,
  options: ClaimOptions,
): Pick<ClaimedBatch, 'rows' | 'leftBehind'> {
  const maxLanes = Math.min(options.lanesPerClaim, options.batchSize);
  const perLane = Math.ceil(options.batchSize / Math.max(held, 1));
  const perLaneFound = new Map<number, number>();
  for (const row of found) perLaneFound.set(row.lane, (perLaneFound.get(row.lane) ?? 0) + 1);
  const leftBehind =
    found.length >= options.batchSize ||
    [...perLaneFound.values()].some((n) => n >= perLane) ||
    (tried >= maxLanes && maxLanes < LANE_COUNT) ||
    found.some((row) => !row.locked);
  return { rows: claimablePrefix(found).map(({ locked: _locked, ...row }) => row), leftBehind };
}

/**
 * Runs fn with a claimed batch (possibly empty) inside one transaction and commits
 * what fn recorded. If fn throws, everything rolls back and the rows stay claimable.
 */
export async function withClaimedBatch<T>(pool: pg.Pool, options: ClaimOptions, fn: (batch: ClaimedBatch) => Promise<T>): Promise<T> {
  const batch = await claimBatch(pool, options);
  let result: T;
  try {
    result = await fn(batch);
  } catch (error) {
    await batch.rollback();
    throw error;
  }
  await batch.commit();
  return result;
}

// The advisory and row locks go with the transaction. A connection that cannot even
// roll back is discarded instead of going back to the pool.
async function rollbackAndRelease(client: pg.PoolClient): Promise<void> {
  await client.query('ROLLBACK').then(
    () => release(client),
    (e: Error) => release(client, e),
  );
}

const ignoreLoss = () => {};

/** Back to the pool, or discarded with an error (then a lost connection's late 'error' events stay handled). */
function release(client: pg.PoolClient, error?: Error): void {
  if (error) return client.release(error);
  client.removeListener('error', ignoreLoss);
  client.release();
}
