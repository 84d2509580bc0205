// Content drift of a projection table against the event log, at one consistent
// point (docs/projections.md "Drift checks", "Incremental drift checks"):
// 1. In one REPEATABLE READ transaction: the version's checkpoint offsets per
//    partition (the cut); the read model is read later in the same snapshot, so rows
//    and checkpoints describe the same moment (they commit together). Outbox rows
//    unpublished in the snapshot (the relay marks after Kafka's ack) are waited for.
// 2. The expected rows: the version's persisted recomputation (its base,
//    lib/backbone/projection-drift-base.ts) brought to the cut by folding only the
//    events in (base cut, new cut] onto the touched keys' rows — or, when there is no
//    usable base (none yet, another stamp, a checkpoint behind it, too many new events,
//    a cold check asked for, a base that does not match its carried checksums), the
//    whole log at the cut folded by the projection's own evolve (streamed through a
//    cursor, the cheap decoder) and COPYed into a fresh base by the store's declared
//    column encoding.
// 3. Every row of the read model against every expected row: per-bucket checksums
//    (count, XOR of row hashes) compared in SQL; only differing buckets are drilled
//    into, again in SQL; samples come back, not rows.
// 4. The base's new rows and its new cut commit with the check (one transaction), and
//    only when every event at the cut was readable (nothing left unconfirmed).
import type { EventEnvelope } from '../domain/events/envelope';
import type { EventRegistry } from '../domain/events/registry';
import { carryChecksums, differingBuckets, judgeBase, type BucketChecksums } from '../domain/drift/base';
import { bucketChecksumSql, bucketSql, rowHashSql } from '../domain/drift/sql-parts';
import { driftPercent, pickSamples, type DriftCounts, type DriftSample } from '../domain/drift/report';
import type { SqlTx } from './ports';
import { evolveRows, type ProjectionDefinition, type ProjectionStore } from './projection';
import { checkedTableName } from './projection-table';
import { cutFilterSql, foldLog, type CutPoint } from './projection-rebuild';
import { decodeLogged } from './recompute-projection';
import {
  appendRows, countDelta, createBaseTable, dropOrphanBases, finishBaseTable, foldDelta, loadBase, saveBase, stampOf, tryLockBase,
  type BaseKey, type BaseRecord,
} from './projection-drift-base';

export interface DriftSpec<Row> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each projection handles its own event union
  definition: ProjectionDefinition<Row, any>;
  storeFor(table: string): ProjectionStore<Row>;
  /** The table's key column (what keyOf returns). */
  keyColumn: string;
  /** Columns whose content must equal the recomputation (order-dependent ones, e.g. last_event_id across partitions, left out). */
  compareColumns: readonly string[];
  /** SQL over outbox_events `e` equal to keyOf(event), so the log can be read in key order. */
  eventKeySql: string;
  /**
   * Part of the base's stamp next to the evolve's own source: bump it when code the
   * evolve calls changes what it computes, so persisted recomputations are rebuilt.
   */
  codeVersion?: string;
}

export interface DriftDb {
  /** One REPEATABLE READ transaction on one connection (TimeZone UTC). */
  snapshot<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T>;
  /** A query streamed page by page through a cursor in its own transaction. */
  stream<R>(sql: string, params: unknown[], pageSize: number, onPage: (rows: R[]) => Promise<void>): Promise<void>;
  /** Statements outside the snapshot. */
  sql: SqlTx;
  /**
   * Appends rows (one array per column) to a table of the snapshot's session with
   * COPY, when the adapter can (node-postgres: pgDriftDb); else plain INSERTs.
   */
  copyInto?(tx: SqlTx, table: string, columns: readonly string[], values: readonly unknown[][]): Promise<void>;
}

export interface DriftTarget { table: string; checkpointName: string; version: number }

export interface DriftOptions {
  buckets: number;
  samplesPerKind: number;
  /** How long to wait for outbox rows unpublished at the snapshot. */
  publishWaitMs: number;
  pageSize?: number;
  /** Also return every divergent key (repair). */
  collectKeys?: boolean;
  /** Recompute the whole log and rebuild the base, whatever base there is. */
  cold?: boolean;
  signal?: AbortSignal;
  onProgress?(eventsRead: number, eventsTotal: number): void;
}

export interface DriftResult extends DriftCounts {
  table: string;
  checkpoints: Array<{ topic: string; partition: number; offset: string }>;
  rowsCompared: number;
  driftPct: number;
  buckets: number;
  bucketsDiffering: number;
  eventsRead: number;
  unconfirmed: number;
  samples: DriftSample[];
  keys?: string[];
  /** incremental: the base brought forward by the new events only; cold: the whole log folded. */
  mode?: 'cold' | 'incremental';
  /** Why a check was cold (null when incremental). */
  coldReason?: string | null;
  /** Whether the base now stands at this check's cut (not when events at the cut were left unconfirmed). */
  baseSaved?: boolean;
}

const BUSY = Symbol('busy');
const RETRY_MS = 500;

export async function checkProjectionDrift<Row>(
  db: DriftDb, registry: EventRegistry, spec: DriftSpec<Row>, target: DriftTarget, options: DriftOptions,
): Promise<DriftResult> {
  for (let conflicts = 0; ; ) {
    try {
      const result = await db.snapshot((tx) => checkInSnapshot(db, registry, spec, target, options, tx));
      if (result !== BUSY) return result;
    } catch (error) {
      // Another check committed the base between this snapshot and its lock: redo on a fresh snapshot.
      if (!isSerializationConflict(error) || ++conflicts > 3) throw error;
    }
    options.signal?.throwIfAborted();
    await new Promise((r) => setTimeout(r, RETRY_MS));
  }
}

function isSerializationConflict(error: unknown): boolean {
  const e = error as { code?: unknown; meta?: { code?: unknown }; message?: unknown };
  const code = String(e?.code ?? e?.meta?.code ?? '');
  return code === '40001' || code === '23505' || /could not serialize access|40001/.test(String(e?.message ?? ''));
}

async function checkInSnapshot<Row>(
  db: DriftDb, registry: EventRegistry, spec: DriftSpec<Row>, target: DriftTarget, options: DriftOptions, tx: SqlTx,
): Promise<DriftResult | typeof BUSY> {
  const key: BaseKey = { projection: spec.definition.name, version: target.version };
  if (!(await tryLockBase(tx, key))) return BUSY;
  // Whole-table scans whose row estimates (a join of two per-bucket aggregates) are off by
  // orders of magnitude: JIT compiled them at full optimisation, ~1 s of a 1M-row check.
  await tx.$executeRawUnsafe(`SET LOCAL jit = off`);
  const cps = await tx.$queryRawUnsafe<Array<CutPoint & { applied: string }>>(
    `SELECT topic, partition, "offset"::text AS offset, events_applied::text AS applied FROM projection_checkpoints
     WHERE projection = $1 AND topic = ANY($2::text[]) ORDER BY topic, partition`,
    target.checkpointName, [...spec.definition.topics],
  );
  const cut = cps.map(({ topic, partition, offset }) => ({ topic, partition, offset }));
  const stored = await loadBase(tx, key);
  const pending = await tx.$queryRawUnsafe<Array<{ position: string }>>(
    `SELECT position::text FROM outbox_events WHERE published_at IS NULL AND topic = ANY($1::text[]) AND type = ANY($2::text[]) LIMIT 100000`,
    [...spec.definition.topics], [...spec.definition.handles],
  );
  const unconfirmed = await waitPublished(db.sql, pending.map((p) => p.position), options);
  const stamp = stampOf(spec, spec.storeFor(target.table));
  await tx.$executeRawUnsafe('SAVEPOINT drift_base');
  const incremental = stored ? await tryIncremental(db, registry, spec, target, options, tx, stored, stamp, cut) : { reason: 'no base yet' };
  if ('reason' in incremental) await tx.$executeRawUnsafe('ROLLBACK TO SAVEPOINT drift_base');
  const outcome = 'reason' in incremental
    ? await coldCheck(db, registry, spec, target, options, tx, stamp, cps)
    : incremental;
  const baseSaved = unconfirmed === 0;
  if (baseSaved) await saveBase(tx, key, outcome.base, 'reason' in incremental);
  else await tx.$executeRawUnsafe('ROLLBACK TO SAVEPOINT drift_base');
  return {
    ...outcome.report, table: target.table, checkpoints: cut, eventsRead: outcome.eventsRead, unconfirmed,
    mode: 'reason' in incremental ? 'cold' : 'incremental', coldReason: 'reason' in incremental ? incremental.reason : null, baseSaved,
  };
}

interface Checked { report: Comparison; eventsRead: number; base: BaseRecord }

/** The stored base brought to the cut and compared; a reason instead when it cannot be used or is not to be trusted. */
async function tryIncremental<Row>(
  db: DriftDb, registry: EventRegistry, spec: DriftSpec<Row>, target: DriftTarget, options: DriftOptions, tx: SqlTx,
  stored: BaseRecord, stamp: string, cut: CutPoint[],
): Promise<Checked | { reason: string }> {
  if (options.cold) return { reason: 'a cold check was asked for' };
  if (stored.present === false) return { reason: `the base's rows table ${stored.baseTable} is gone` };
  const verdict = judgeBase(stored, { tableName: target.table, stamp, buckets: options.buckets }, cut);
  if (!verdict.usable) return { reason: verdict.reason };
  const total = await countDelta(tx, spec, verdict.delta);
  if (total > IN_MEMORY_MAX_EVENTS || total > stored.events) return { reason: `${total} new events since the base: a whole fold is as cheap` };
  const fold = await foldDelta(db, registry, spec, tx, stored.baseTable, verdict.delta, { ...options, total });
  const report = await compareWithChecksums(tx, spec, checkedTableName(target.table), options, checkedTableName(stored.baseTable));
  const carried = carryChecksums(stored.checksums, fold.before, fold.after);
  const off = differingBuckets(carried, report.expectedChecksums);
  if (off.length > 0) {
    return { reason: `the base did not match its carried checksums in ${off.length} bucket(s) (edited behind the check's back, or emptied by a crash): not trusted` };
  }
  return {
    report, eventsRead: fold.events,
    base: { ...stored, cut, checksums: report.expectedChecksums, rows: report.rowsExpected, events: stored.events + fold.events },
  };
}

/** The whole log at the cut folded into a fresh base, then compared. */
async function coldCheck<Row>(
  db: DriftDb, registry: EventRegistry, spec: DriftSpec<Row>, target: DriftTarget, options: DriftOptions, tx: SqlTx,
  stamp: string, cps: Array<CutPoint & { applied: string }>,
): Promise<Checked> {
  await dropOrphanBases(tx, { projection: spec.definition.name, version: target.version });
  const baseTable = await createBaseTable(tx, target.table);
  const total = cps.reduce((n, c) => n + Number(c.applied), 0);
  const eventsRead = await recomputeInto(db, registry, spec, cps, tx, { ...options, total, table: baseTable, append: true });
  await finishBaseTable(tx, baseTable, spec.keyColumn);
  const report = await compareWithChecksums(tx, spec, checkedTableName(target.table), options, checkedTableName(baseTable));
  const cut = cps.map(({ topic, partition, offset }) => ({ topic, partition, offset }));
  return {
    report, eventsRead,
    base: { tableName: target.table, baseTable, stamp, buckets: options.buckets, cut, checksums: report.expectedChecksums, rows: report.rowsExpected, events: eventsRead },
  };
}

async function waitPublished(sql: SqlTx, positions: string[], options: DriftOptions): Promise<number> {
  const deadline = Date.now() + options.publishWaitMs;
  for (;;) {
    if (positions.length === 0) return 0;
    const [{ n }] = (await sql.$queryRawUnsafe(
      `SELECT count(*)::int AS n FROM outbox_events WHERE position = ANY($1::bigint[]) AND published_at IS NULL`, positions,
    )) as [{ n: number }];
    if (n === 0 || Date.now() >= deadline) return n;
    options.signal?.throwIfAborted();
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Up to this many events at the cut, a drift check folds the whole log in memory (rows ≤ events). */
export const IN_MEMORY_MAX_EVENTS = 3_000_000;
const APPEND_CHUNK = 50_000;

/**
 * The cold fold when the log at the cut is small enough to hold its rows in memory:
 * the events in position order (an index scan, streamed — no sort of the whole log
 * by key before the first row, which key order costs), every key's row kept in one
 * map, then all rows appended at once. Same stream, decoder and evolve as foldLog.
 */
async function foldInMemory<Row>(
  db: Pick<DriftDb, 'stream' | 'copyInto'>, registry: EventRegistry, spec: DriftSpec<Row>, cps: readonly CutPoint[], into: SqlTx, table: string,
  options: Pick<DriftOptions, 'pageSize' | 'signal' | 'onProgress'> & { total: number },
): Promise<number> {
  const rows = new Map<string, Row>();
  const { sql: atCut, topics } = cutFilterSql(cps, 1);
  let read = 0;
  await db.stream<{ envelope: string }>(
    `SELECT e.envelope::text AS envelope FROM outbox_events e WHERE ${atCut} AND e.type = ANY($2::text[]) ORDER BY e.position`,
    [topics, [...spec.definition.handles]],
    options.pageSize ?? 10_000,
    async (page) => {
      options.signal?.throwIfAborted();
      const events: EventEnvelope[] = [];
      for (const r of page) {
        const event = decodeLogged(registry, r.envelope);
        if (event) events.push(event);
      }
      for (const [key, row] of evolveRows(spec.definition, rows, events)) rows.set(key, row);
      read += page.length;
      options.onProgress?.(read, options.total);
    },
  );
  const all = [...rows.values()];
  rows.clear();
  const store = spec.storeFor(table);
  for (let i = 0; i < all.length; i += APPEND_CHUNK) await appendRows(db, into, store, table, all.slice(i, i + APPEND_CHUNK));
  options.onProgress?.(read, options.total);
  return read;
}

/**
 * Folds the log at the cut into `options.table`. The whole log (`append`: a drift
 * check's cold base, a fresh table without a key index): in memory up to
 * IN_MEMORY_MAX_EVENTS, else the rebuild's key-order fold (foldLog) page by page;
 * rows appended by the store's declared column encoding (COPY). Only some keys
 * (repair): those keys' events in key order, upserted by the store.
 */
export async function recomputeInto<Row>(
  db: Pick<DriftDb, 'stream' | 'copyInto'>, registry: EventRegistry, spec: DriftSpec<Row>,
  cps: ReadonlyArray<{ topic: string; partition: number; offset: string }>, into: SqlTx,
  options: Pick<DriftOptions, 'pageSize' | 'signal' | 'onProgress'> & { total: number; table: string } & ({ keys: readonly string[] } | { append: true }),
): Promise<number> {
  const store = spec.storeFor(options.table);
  if ('append' in options) {
    if (cps.length === 0) return 0;
    if (options.total <= IN_MEMORY_MAX_EVENTS) return foldInMemory(db, registry, spec, cps, into, options.table, options);
    let read = 0;
    const last = await foldLog(db, registry, spec, cps, { afterKey: null, pageSize: options.pageSize ?? 10_000, signal: options.signal }, async (page) => {
      await appendRows(db, into, store, options.table, page.rows);
      read += page.events;
      options.onProgress?.(read, options.total);
    });
    await appendRows(db, into, store, options.table, last.rows);
    options.onProgress?.(read + last.events, options.total);
    return read + last.events;
  }
  let carry = new Map<string, Row>();
  let read = 0;
  await db.stream<{ k: string; envelope: string }>(
    `SELECT (${spec.eventKeySql}) AS k, e.envelope::text AS envelope FROM outbox_events e
     JOIN unnest($1::text[], $2::int[], $3::bigint[]) AS c(topic, part, off) ON e.topic = c.topic AND e.partition = c.part AND e."offset" <= c.off
     WHERE e.type = ANY($4::text[]) AND (${spec.eventKeySql}) = ANY($5::text[]) ORDER BY 1, e.position`,
    [cps.map((c) => c.topic), cps.map((c) => c.partition), cps.map((c) => c.offset), [...spec.definition.handles], options.keys],
    options.pageSize ?? 5_000,
    async (page) => {
      options.signal?.throwIfAborted();
      const events = page.map((r) => decodeLogged(registry, r.envelope)).filter((e): e is EventEnvelope => e !== null);
      const merged = new Map([...carry, ...evolveRows(spec.definition, carry, events)]);
      const last = page.at(-1)!.k;
      carry = merged.has(last) ? new Map([[last, merged.get(last)!]]) : new Map();
      merged.delete(last);
      await store.save(into, [...merged.values()]);
      read += page.length;
      options.onProgress?.(read, options.total);
    },
  );
  await store.save(into, [...carry.values()]);
  return read;
}

type Comparison = Awaited<ReturnType<typeof compareWithChecksums>>;

/**
 * Compares `table` (actual) with `expected` (default: the recomputation's temp table)
 * by bucket checksums, drilling into differing buckets only. Both names already quoted
 * (checkedTableName) or the temp table's. A rebuild compares the active table with the
 * rebuilt one this way (lib/backbone/projection-rebuild.ts).
 */
export async function compareTables<Row>(
  tx: SqlTx, spec: DriftSpec<Row>, table: string, options: Pick<DriftOptions, 'buckets' | 'samplesPerKind' | 'collectKeys'>, expected: string,
) {
  const { expectedChecksums: _checksums, ...report } = await compareWithChecksums(tx, spec, table, options, expected);
  return report;
}

/** compareTables, also handing back the expected side's per-bucket checksums (the drift base's, scanned whole). */
async function compareWithChecksums<Row>(
  tx: SqlTx, spec: DriftSpec<Row>, table: string, options: Pick<DriftOptions, 'buckets' | 'samplesPerKind' | 'collectKeys'>, expected: string,
) {
  const cols = spec.compareColumns;
  const sums = await tx.$queryRawUnsafe<Array<{ bucket: number; en: string; an: string; eh: string | null; differs: boolean }>>(
    `WITH x AS (${bucketChecksumSql(expected, spec.keyColumn, cols, options.buckets)}),
          y AS (${bucketChecksumSql(table, spec.keyColumn, cols, options.buckets)})
     SELECT bucket, coalesce(x.n, 0)::text AS en, coalesce(y.n, 0)::text AS an, x.h::text AS eh,
            (x.n IS DISTINCT FROM y.n OR x.h IS DISTINCT FROM y.h) AS differs
     FROM x FULL JOIN y USING (bucket)`,
  );
  const expectedChecksums: BucketChecksums = {};
  for (const s of sums) if (Number(s.en) > 0) expectedChecksums[String(s.bucket)] = { n: Number(s.en), h: s.eh ?? '0' };
  const differing = sums.filter((s) => s.differs).map((s) => s.bucket);
  const base = {
    rowsExpected: sums.reduce((n, s) => n + Number(s.en), 0),
    rowsActual: sums.reduce((n, s) => n + Number(s.an), 0),
    buckets: options.buckets, bucketsDiffering: differing.length,
  };
  if (differing.length === 0) {
    const counts = { ...base, missing: 0, extra: 0, different: 0 };
    return { ...counts, rowsCompared: counts.rowsExpected, driftPct: 0, samples: [] as DriftSample[], keys: options.collectKeys ? [] as string[] : undefined, expectedChecksums };
  }
  const side = (t: string) => `SELECT t.${q(spec.keyColumn)}::text AS k, ${rowHashSql('t', spec.keyColumn, cols)} AS h, row_to_json(t) AS j
     FROM ${t} t WHERE ${bucketSql('t', spec.keyColumn, options.buckets)} = ANY($1::int[])`;
  // The differing buckets' rows of both sides are read once, into a small temp table of the differences.
  await tx.$executeRawUnsafe(`DROP TABLE IF EXISTS ${DIFF_TABLE}`);
  await tx.$executeRawUnsafe(`CREATE TEMP TABLE ${DIFF_TABLE} (k text, expected json, actual json, kind text) ON COMMIT DROP`);
  await tx.$executeRawUnsafe(
    `INSERT INTO ${DIFF_TABLE} WITH x AS (${side(expected)}), y AS (${side(table)})
     SELECT coalesce(x.k, y.k), x.j, y.j, CASE WHEN y.k IS NULL THEN 'missing' WHEN x.k IS NULL THEN 'extra' ELSE 'different' END
     FROM x FULL JOIN y ON x.k = y.k WHERE x.k IS NULL OR y.k IS NULL OR x.h <> y.h`, differing,
  );
  const [c] = (await tx.$queryRawUnsafe(
    `SELECT count(*) FILTER (WHERE kind = 'missing')::int AS missing, count(*) FILTER (WHERE kind = 'extra')::int AS extra,
            count(*) FILTER (WHERE kind = 'different')::int AS different FROM ${DIFF_TABLE}`,
  )) as [{ missing: number; extra: number; different: number }];
  const sampled = await tx.$queryRawUnsafe<Array<{ k: string; expected: Record<string, unknown> | null; actual: Record<string, unknown> | null }>>(
    `SELECT k, expected, actual FROM (SELECT d.*, row_number() OVER (PARTITION BY kind ORDER BY k) AS rn FROM ${DIFF_TABLE} d) s WHERE rn <= $1 ORDER BY k`,
    options.samplesPerKind,
  );
  const keys = options.collectKeys
    ? (await tx.$queryRawUnsafe<Array<{ k: string }>>(`SELECT k FROM ${DIFF_TABLE} ORDER BY k`)).map((r) => r.k)
    : undefined;
  await tx.$executeRawUnsafe(`DROP TABLE ${DIFF_TABLE}`);
  const counts: DriftCounts = { ...base, ...c };
  return {
    ...counts, buckets: base.buckets, bucketsDiffering: base.bucketsDiffering,
    rowsCompared: counts.rowsExpected + counts.extra, driftPct: driftPercent(counts),
    samples: pickSamples(sampled.map((s) => ({ key: s.k, expected: s.expected, actual: s.actual })), cols, options.samplesPerKind),
    keys, expectedChecksums,
  };
}

const DIFF_TABLE = 'drift_differences';
const q = (c: string) => `"${c.replace(/"/g, '')}"`;
