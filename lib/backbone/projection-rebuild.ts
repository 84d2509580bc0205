// Blue/green rebuild of a projection (docs/projections.md "Blue/green rebuild"):
// the pieces the job kind (lib/jobs/kinds/projection-rebuild.ts) and the swap
// action (lib/app/swap-projection-version.ts) are made of.
// - consistentPoint: the live version's checkpoint offsets per partition, read in one
//   REPEATABLE READ snapshot with the outbox rows unpublished at that moment, which
//   are waited for: afterwards every event at or below the offsets is readable by
//   (topic, partition, offset). Never cut by position (not commit order).
// - foldLog: the events at or below a cut, streamed through a server-side cursor in
//   key order, folded in memory by the projection's own evolve; each page hands back
//   the rows of the keys it finished (written once, bulk), and the fold can resume
//   after the last finished key.
// - catchUp: advances a version's own checkpoints from the log up to a target,
//   through applyProjectionBatch (the live consumer's path), batch by batch.
// - lockedCatchUp: under the registry row FOR UPDATE (live batches wait), brings a
//   version to exactly the active version's checkpoint — the swap.
// - inSnapshotAtActivePoint: a REPEATABLE READ snapshot in which the active table is
//   at its checkpoint, taken under the registry lock, which is released before the
//   work in it starts — the rebuild's old-vs-new diff runs there, unlocked.
import type { EventEnvelope } from '../domain/events/envelope';
import type { EventRegistry } from '../domain/events/registry';
import { AppError } from '../errors';
import type { BatchItem } from './consumer-definition';
import type { SqlTx } from './ports';
import { applyProjectionBatch, evolveRows } from './projection';
import type { DriftDb, DriftSpec } from './projection-drift';
import { decodeLogged } from './recompute-projection';

export interface CutPoint {
  topic: string;
  partition: number;
  offset: string;
}

export interface VersionRef {
  table: string;
  checkpointName: string;
}

export interface PublishWait {
  publishWaitMs: number;
  signal?: AbortSignal;
}

const CHECKPOINTS_SQL = `SELECT topic, partition, "offset"::text AS offset FROM projection_checkpoints
  WHERE projection = $1 AND topic = ANY($2::text[]) ORDER BY topic, partition`;

export async function checkpointOffsets(tx: SqlTx, checkpointName: string, topics: readonly string[]): Promise<CutPoint[]> {
  return tx.$queryRawUnsafe<CutPoint[]>(CHECKPOINTS_SQL, checkpointName, [...topics]);
}

/** Positions of the outbox rows of these topics/types not marked published yet (in the caller's snapshot). */
export async function unpublishedPositions(tx: SqlTx, spec: Pick<DriftSpec<unknown>, 'definition'>): Promise<string[]> {
  const rows = await tx.$queryRawUnsafe<Array<{ position: string }>>(
    `SELECT position::text FROM outbox_events WHERE published_at IS NULL AND topic = ANY($1::text[]) AND type = ANY($2::text[]) LIMIT 100000`,
    [...spec.definition.topics], [...spec.definition.handles],
  );
  return rows.map((r) => r.position);
}

/** Waits until none of `positions` is unpublished; throws `unavailable` after `publishWaitMs`. */
export async function waitUntilPublished(sql: SqlTx, positions: readonly string[], options: PublishWait): Promise<void> {
  const deadline = Date.now() + options.publishWaitMs;
  for (;;) {
    if (positions.length === 0) return;
    const [{ n }] = (await sql.$queryRawUnsafe(
      `SELECT count(*)::int AS n FROM outbox_events WHERE position = ANY($1::bigint[]) AND published_at IS NULL`, [...positions],
    )) as [{ n: number }];
    if (n === 0) return;
    if (Date.now() >= deadline) {
      throw new AppError('unavailable', `${n} outbox events the live projection may have applied are still not marked published after ${options.publishWaitMs} ms (is the relay running?); try again`);
    }
    options.signal?.throwIfAborted();
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The live version's checkpoint offsets, read in one snapshot together with the
 * outbox rows unpublished then; returns once those are published, so every event at
 * or below the offsets can be read by its coordinates.
 */
export async function consistentPoint(db: DriftDb, spec: Pick<DriftSpec<unknown>, 'definition'>, checkpointName: string, options: PublishWait): Promise<CutPoint[]> {
  const { cut, pending } = await db.snapshot(async (tx) => ({
    cut: await checkpointOffsets(tx, checkpointName, spec.definition.topics),
    pending: await unpublishedPositions(tx, spec),
  }));
  await waitUntilPublished(db.sql, pending, options);
  return cut;
}

const CUT_JOIN = `JOIN unnest($1::text[], $2::int[], $3::bigint[]) AS c(topic, part, off)
  ON e.topic = c.topic AND e.partition = c.part AND e."offset" <= c.off`;
const cutParams = (cut: readonly CutPoint[]) => [cut.map((c) => c.topic), cut.map((c) => c.partition), cut.map((c) => c.offset)];

/** Events of the projection's types at or below the cut, per partition (progress total, checkpoint counts). */
export async function countAtCut(sql: SqlTx, spec: Pick<DriftSpec<unknown>, 'definition'>, cut: readonly CutPoint[]): Promise<Array<CutPoint & { events: number }>> {
  if (cut.length === 0) return [];
  const rows = await sql.$queryRawUnsafe<Array<{ topic: string; partition: number; n: number }>>(
    `SELECT e.topic, e.partition, count(*)::int AS n FROM outbox_events e ${CUT_JOIN}
     WHERE e.type = ANY($4::text[]) GROUP BY 1, 2`,
    ...cutParams(cut), [...spec.definition.handles],
  );
  return cut.map((c) => ({ ...c, events: rows.find((r) => r.topic === c.topic && r.partition === c.partition)?.n ?? 0 }));
}

const INTEGER = /^-?\d{1,19}$/;

/**
 * `(topic, partition, offset) <= cut` as a filter (a CASE per topic and partition,
 * the numbers checked and inlined, topics as parameter `$n`): unlike a join with
 * the cut it keeps the scan a plain filtered scan, cheaper to stream through a cursor.
 */
export function cutFilterSql(cut: readonly CutPoint[], topicsParam: number): { sql: string; topics: string[] } {
  const topics = [...new Set(cut.map((c) => c.topic))];
  const perTopic = topics.map((topic, i) => {
    const arms = cut.filter((c) => c.topic === topic).map((c) => {
      if (!Number.isInteger(c.partition) || !INTEGER.test(c.offset)) throw new Error(`invalid cut ${JSON.stringify(c)}`);
      return `WHEN ${c.partition} THEN ${c.offset}`;
    });
    return `WHEN e.topic = ($${topicsParam}::text[])[${i + 1}] THEN CASE e.partition ${arms.join(' ')} END`;
  });
  return { sql: `e.topic = ANY($${topicsParam}::text[]) AND e."offset" <= (CASE ${perTopic.join(' ')} END)`, topics };
}

/** A logged envelope (jsonb as an object, or its text) decoded; null if it does not decode (recompute-projection.ts decodeLogged). */
export const decodeLoggedEnvelope = decodeLogged;

export interface FoldPage<Row> {
  /** Rows of the keys this page finished: final, each written once. */
  rows: Row[];
  /** The greatest finished key so far: a resumed fold reads keys after it. */
  afterKey: string | null;
  /** Events of the keys this page finished (a key's events are counted once it is written). */
  events: number;
}

/**
 * Folds the events at or below `cut` in key order (keys after `afterKey` when
 * resuming). `onPage` gets each page's finished rows (the page's last key may go on
 * in the next page, so it is carried); the last key's rows (and its event count)
 * come back at the end.
 */
export async function foldLog<Row>(
  db: Pick<DriftDb, 'stream'>, registry: EventRegistry, spec: DriftSpec<Row>, cut: readonly CutPoint[],
  options: { afterKey: string | null; pageSize: number; signal?: AbortSignal },
  onPage: (page: FoldPage<Row>) => Promise<void>,
): Promise<{ rows: Row[]; afterKey: string | null; events: number }> {
  let carry = new Map<string, Row>();
  let carryKey: string | null = null;
  let carryEvents = 0;
  let afterKey = options.afterKey;
  if (cut.length === 0) return { rows: [], afterKey, events: 0 };
  const key = `(${spec.eventKeySql})`;
  const { sql: atCut, topics } = cutFilterSql(cut, 1);
  await db.stream<{ k: string; envelope: unknown }>(
    `SELECT ${key} AS k, e.envelope::text AS envelope FROM outbox_events e
     WHERE ${atCut} AND e.type = ANY($2::text[]) AND ${key} IS NOT NULL AND ($3::text IS NULL OR ${key} > $3::text)
     ORDER BY 1, e.position`,
    [topics, [...spec.definition.handles], options.afterKey],
    options.pageSize,
    async (page) => {
      options.signal?.throwIfAborted();
      const events = page.map((r) => decodeLoggedEnvelope(registry, r.envelope)).filter((e): e is EventEnvelope => e !== null);
      const merged = new Map([...carry, ...evolveRows(spec.definition, carry, events)]);
      const last = page.at(-1)!.k;
      // The greatest finished key: the page's last key before `last`, else the key
      // carried in from the previous page (when the whole page is `last`'s).
      let lastEvents = 0;
      let before: string | null = carryKey !== null && carryKey !== last ? carryKey : null;
      for (let i = page.length - 1; i >= 0; i--) {
        if (page[i]!.k !== last) {
          before = page[i]!.k;
          break;
        }
        lastEvents++;
      }
      if (before !== null) afterKey = before;
      // Events of finished keys: the carried key's so far, unless it goes on in this page's last key.
      const finished = last === carryKey ? 0 : carryEvents + page.length - lastEvents;
      carryEvents = last === carryKey ? carryEvents + page.length : lastEvents;
      carryKey = last;
      carry = merged.has(last) ? new Map([[last, merged.get(last)!]]) : new Map();
      merged.delete(last);
      await onPage({ rows: [...merged.values()], afterKey, events: finished });
    },
  );
  return { rows: [...carry.values()], afterKey, events: carryEvents };
}

/**
 * Sets a version's checkpoints to `cut` (never backwards): after a fold, with the
 * events counted per partition; after a catch-up, to the target it reached.
 */
export async function advanceCheckpoints(tx: SqlTx, checkpointName: string, cut: ReadonlyArray<CutPoint & { events?: number }>): Promise<void> {
  if (cut.length === 0) return;
  await tx.$executeRawUnsafe(
    `INSERT INTO projection_checkpoints (projection, topic, partition, "offset", events_applied, updated_at)
     SELECT $1, t, p, o, n, now() FROM unnest($2::text[], $3::int[], $4::bigint[], $5::bigint[]) AS x(t, p, o, n)
     ON CONFLICT (projection, topic, partition) DO UPDATE SET "offset" = GREATEST(projection_checkpoints."offset", EXCLUDED."offset"),
       events_applied = projection_checkpoints.events_applied + EXCLUDED.events_applied, updated_at = now()`,
    checkpointName, cut.map((c) => c.topic), cut.map((c) => c.partition), cut.map((c) => c.offset), cut.map((c) => c.events ?? 0),
  );
}

/**
 * Applies the logged events above `version`'s checkpoints up to `target` to its
 * table, `batch` events at a time, each through `run` (a transaction the caller owns:
 * the job's checkpoint transaction, or the swap's locked one); the last call also
 * moves the checkpoints to the target. Reads go through `read`. Returns events applied.
 */
export async function catchUp<Row>(
  read: SqlTx, registry: EventRegistry, spec: DriftSpec<Row>, version: VersionRef, target: readonly CutPoint[],
  run: (effects: (tx: SqlTx) => Promise<void>, applied: number) => Promise<void>,
  options: { batch: number; signal?: AbortSignal },
): Promise<number> {
  const store = spec.storeFor(version.table);
  const lo = new Map((await checkpointOffsets(read, version.checkpointName, spec.definition.topics)).map((c) => [`${c.topic}\u0000${c.partition}`, c.offset]));
  const ranges = () => target
    .map((t) => ({ ...t, lo: lo.get(`${t.topic}\u0000${t.partition}`) ?? '-1' }))
    .filter((r) => BigInt(r.offset) > BigInt(r.lo));
  let applied = 0;
  for (;;) {
    options.signal?.throwIfAborted();
    const open = ranges();
    const rows = open.length === 0 ? [] : await read.$queryRawUnsafe<Array<{ topic: string; partition: number; offset: string; envelope: unknown }>>(
      `SELECT e.topic, e.partition, e."offset"::text AS offset, e.envelope::text AS envelope FROM outbox_events e
       JOIN unnest($1::text[], $2::int[], $3::bigint[], $4::bigint[]) AS c(topic, part, lo, hi)
         ON e.topic = c.topic AND e.partition = c.part AND e."offset" > c.lo AND e."offset" <= c.hi
       WHERE e.type = ANY($5::text[]) ORDER BY e.topic, e.partition, e."offset" LIMIT $6`,
      open.map((r) => r.topic), open.map((r) => r.partition), open.map((r) => r.lo), open.map((r) => r.offset),
      [...spec.definition.handles], options.batch,
    );
    const items: BatchItem[] = [];
    for (const r of rows) {
      lo.set(`${r.topic}\u0000${r.partition}`, r.offset);
      const event = decodeLoggedEnvelope(registry, r.envelope);
      if (event) items.push({ event, message: { topic: r.topic, partition: r.partition, offset: r.offset } });
    }
    const last = rows.length < options.batch;
    applied += items.length;
    await run(async (tx) => {
      await applyProjectionBatch(spec.definition, store, version.checkpointName, items as never, tx);
      if (last) await advanceCheckpoints(tx, version.checkpointName, target);
    }, items.length);
    if (last) return applied;
  }
}

export interface LockedActive {
  projection: string;
  version: number;
  table: string;
  checkpointName: string;
}

/** The active version, its registry row locked FOR UPDATE: no live batch commits until the transaction ends. */
export async function lockActiveVersion(tx: SqlTx, projection: string): Promise<LockedActive> {
  // Locked on its own, then joined: after waiting for another swap, the join sees the version it made active.
  await tx.$queryRawUnsafe(`SELECT 1 FROM projection_registry WHERE projection = $1 FOR UPDATE`, projection);
  const rows = await tx.$queryRawUnsafe<Array<{ version: number; table_name: string; checkpoint_name: string }>>(
    `SELECT r.version, v.table_name, v.checkpoint_name FROM projection_registry r
     JOIN projection_versions v ON v.projection = r.projection AND v.version = r.version
     WHERE r.projection = $1`, projection,
  );
  if (!rows[0]) throw new AppError('not_found', `no projection named ${projection}`);
  return { projection, version: rows[0].version, table: rows[0].table_name, checkpointName: rows[0].checkpoint_name };
}

/**
 * In `tx` (which must be able to run for a while): locks the registry row, waits for
 * the outbox rows unpublished at that moment (the live version may have applied
 * them), then applies every event up to the active version's checkpoints to
 * `version`. Afterwards both tables describe the same point of the log.
 */
export async function lockedCatchUp<Row>(
  tx: SqlTx, sql: SqlTx, registry: EventRegistry, spec: DriftSpec<Row>, projection: string, version: VersionRef,
  options: PublishWait & { batch: number },
): Promise<{ active: LockedActive; target: CutPoint[]; applied: number }> {
  const active = await lockActiveVersion(tx, projection);
  const target = await checkpointOffsets(tx, active.checkpointName, spec.definition.topics);
  await waitUntilPublished(sql, await unpublishedPositions(tx, spec), options);
  const applied = await catchUp(tx, registry, spec, version, target, (effects) => effects(tx), options);
  return { active, target, applied };
}


/** What inSnapshotAtActivePoint runs on: a short locking transaction, a long snapshot, and the pool. */
export interface PointDb<Tx extends SqlTx> {
  /** A read-write transaction; it only holds the registry row lock. */
  transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T>;
  /** A REPEATABLE READ transaction that may run for long (its snapshot is taken at its first query). */
  snapshot<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  sql: SqlTx;
}

export interface ActivePoint {
  active: LockedActive;
  /** The active version's checkpoints as the snapshot sees them: its table there is at exactly these offsets. */
  target: CutPoint[];
}

/**
 * Runs `work` in a REPEATABLE READ snapshot in which the active version's table is at
 * its checkpoint and every event up to it is readable, holding the registry row lock
 * only while that snapshot is taken:
 * 1. the registry row FOR UPDATE: live batches read it FOR SHARE, so none is in flight;
 * 2. the outbox rows unpublished at that moment are waited for (the live version may
 *    have applied them), so every event up to its checkpoint has its coordinates;
 * 3. the snapshot's first query reads the active checkpoints; a second one checks the
 *    locking transaction was still open then (else `unavailable`: try again);
 * 4. the lock is released and `work` runs in the snapshot. Live batches commit
 *    meanwhile, but a batch commits its rows and its checkpoint together, so the
 *    snapshot keeps seeing the active table at `target`. A table only `work` writes (a
 *    rebuilt version) can be brought to `target` there and compared with it.
 */
export async function inSnapshotAtActivePoint<Tx extends SqlTx, T>(
  db: PointDb<Tx>, spec: Pick<DriftSpec<unknown>, 'definition'>, projection: string, options: PublishWait,
  work: (tx: Tx, point: ActivePoint) => Promise<T>,
): Promise<{ value: T; lockHeldMs: number }> {
  let running: Promise<T> | undefined;
  let taken = false;
  let lockedAt = 0;
  try {
    await db.transaction(async (lockTx) => {
      const active = await lockActiveVersion(lockTx, projection);
      lockedAt = performance.now();
      const [{ xid }] = (await lockTx.$queryRawUnsafe(`SELECT txid_current()::text AS xid`)) as [{ xid: string }];
      await waitUntilPublished(db.sql, await unpublishedPositions(lockTx, spec), options);
      await new Promise<void>((snapshotTaken, failed) => {
        running = db.snapshot(async (tx) => {
          const target = await checkpointOffsets(tx, active.checkpointName, spec.definition.topics);
          await assertStillOpen(tx, xid);
          taken = true;
          snapshotTaken();
          return work(tx, { active, target });
        });
        running.catch(failed);
      });
    });
  } catch (error) {
    // Once the snapshot is taken, the locking transaction (it wrote nothing) has done its part.
    if (!taken) throw error;
  }
  const lockHeldMs = Math.round(performance.now() - lockedAt);
  return { value: await running!, lockHeldMs };
}

async function assertStillOpen(tx: SqlTx, xid: string): Promise<void> {
  const [{ status }] = (await tx.$queryRawUnsafe(`SELECT txid_status($1::bigint) AS status`, xid)) as [{ status: string | null }];
  if (status !== 'in progress') throw new AppError('unavailable', 'the registry lock ended before the snapshot was taken; try again');
}
