// Deleting expired operational rows in small batches. Plain `pg` rather than Prisma:
// the single-pruner lock is a session-level advisory lock, so the lock and every batch
// must use one connection held for the whole pass, which Prisma's pool cannot promise.
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { PrunableTable } from '../../domain/retention-policy';

/**
 * Key of the session-level advisory lock the one active pruner holds (one bigint key;
 * the relay's lane locks use the separate two-int key space). Any fixed number.
 */
export const PRUNER_LOCK = 0x5b0c_9e7a;

export type Queryable = Pick<pg.ClientBase, 'query'>;

// One statement per batch, so each is its own short transaction. The subselect walks the
// table's time index oldest first, stops after LIMIT rows and locks them (SKIP LOCKED: a row
// another transaction holds is left for the next pass instead of making the pruner wait).
// `= ANY(ARRAY(…))` rather than `IN (…)`: with IN the planner may hash-join the whole table
// (a sequential scan per batch, seen on 50k rows); with an array it looks the rows up one by
// one: consumer_attempts by primary key, idempotency_keys (composite key) by ctid, which
// cannot change while this statement holds the row lock. Names are constants, never input.
const BATCH_SQL: Record<PrunableTable, string> = {
  consumer_attempts: `
    DELETE FROM consumer_attempts WHERE id = ANY(ARRAY(
      SELECT id FROM consumer_attempts WHERE at < $1 ORDER BY at LIMIT $2 FOR UPDATE SKIP LOCKED))`,
  idempotency_keys: `
    DELETE FROM idempotency_keys WHERE ctid = ANY(ARRAY(
      SELECT ctid FROM idempotency_keys WHERE created_at < $1 ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED))`,
};

/** The SQL of one batch, exposed for the EXPLAIN check in the integration test. */
export function pruneBatchSql(table: PrunableTable): string {
  return BATCH_SQL[table];
}

/** Deletes at most `batchSize` rows of `table` older than `cutoff`; returns how many it deleted. */
export async function pruneOneBatch(db: Queryable, table: PrunableTable, cutoff: Date, batchSize: number): Promise<number> {
  const result = await db.query(BATCH_SQL[table], [cutoff, batchSize]);
  return result.rowCount ?? 0;
}

export interface PruneOptions {
  /** Pause between batches (ms), so a large backlog does not monopolise I/O. */
  pauseMs?: number;
  /** Stops after the current batch (shutdown). */
  signal?: AbortSignal;
  onBatch?: (table: PrunableTable, deleted: number) => void;
}

export interface PruneResult {
  deleted: number;
  batches: number;
}

/** Deletes every row of `table` older than `cutoff`, `batchSize` rows per statement. */
export async function pruneOlderThan(
  db: Queryable,
  table: PrunableTable,
  cutoff: Date,
  batchSize: number,
  options: PruneOptions = {},
): Promise<PruneResult> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be a positive whole number, got ${batchSize}`);
  const result: PruneResult = { deleted: 0, batches: 0 };
  while (!options.signal?.aborted) {
    const deleted = await pruneOneBatch(db, table, cutoff, batchSize);
    result.batches += 1;
    result.deleted += deleted;
    options.onBatch?.(table, deleted);
    // A short batch means nothing older is left (rows skipped as locked wait for the next pass).
    if (deleted < batchSize) break;
    // Rejects (ignored) when the signal aborts the pause; the loop condition then ends the run.
    if (options.pauseMs) await sleep(options.pauseMs, undefined, { signal: options.signal }).catch(() => {});
  }
  return result;
}

export type LockedRun<T> = { acquired: true; result: T } | { acquired: false };

/**
 * Runs `fn` on one connection holding the pruner lock, or returns `{ acquired: false }`
 * at once when another process holds it. The lock dies with the connection, so a pruner
 * that crashes never blocks the next one.
 */
export async function withPrunerLock<T>(pool: pg.Pool, fn: (db: Queryable) => Promise<T>): Promise<LockedRun<T>> {
  const client = await pool.connect();
  // The pool only listens for errors on idle clients: a connection lost while checked out
  // (a database restart during a pause between batches) would otherwise be an uncaught
  // exception. Ignoring it here is enough: the next query on the client rejects.
  const onError = () => {};
  client.on('error', onError);
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [PRUNER_LOCK]);
    if (!rows[0]?.locked) {
      client.release();
      return { acquired: false };
    }
    const result = await fn(client);
    await client.query('SELECT pg_advisory_unlock($1)', [PRUNER_LOCK]);
    client.release();
    return { acquired: true, result };
  } catch (error) {
    // Discard the connection: ending its session releases the lock whatever state it is in.
    client.release(error instanceof Error ? error : new Error(String(error)));
    throw error;
  } finally {
    client.off('error', onError);
  }
}
