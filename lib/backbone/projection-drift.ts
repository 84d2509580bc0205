// Content drift of a projection table against the event log, at one consistent
// point (docs/projections.md "Drift checks"):
// 1. In one REPEATABLE READ transaction: the version's checkpoint offsets per
//    partition; the read model is read later in the same snapshot, so rows and
//    checkpoints describe the same moment (they commit together).
// 2. Events at or below those offsets are recomputed by the projection's own
//    evolve, streamed from the outbox in key order through a cursor (the rebuild's
//    fold: envelopes as text, the cheap decoder), into an unindexed temp table of
//    the same shape, appended to with multi-row INSERTs. An event the projection applied may not be marked
//    published yet (the relay marks after Kafka's ack): outbox rows unpublished in
//    the snapshot are waited for before the log is read.
// 3. Per-bucket checksums (count, XOR of row hashes) are compared in SQL; only
//    differing buckets are drilled into, again in SQL; samples come back, not rows.
import type { EventEnvelope } from '../domain/events/envelope';
import type { EventRegistry } from '../domain/events/registry';
import { bucketChecksumSql, bucketSql, rowHashSql } from '../domain/drift/sql-parts';
import { driftPercent, pickSamples, type DriftCounts, type DriftSample } from '../domain/drift/report';
import type { SqlTx } from './ports';
import { evolveRows, type ProjectionDefinition, type ProjectionStore } from './projection';
import { checkedTableName } from './projection-table';
import { cutFilterSql, foldLog, type CutPoint } from './projection-rebuild';
import { decodeLogged } from './recompute-projection';

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

export interface DriftTarget { table: string; checkpointName: string }

export interface DriftOptions {
  buckets: number;
  samplesPerKind: number;
  /** How long to wait for outbox rows unpublished at the snapshot. */
  publishWaitMs: number;
  pageSize?: number;
  /** Also return every divergent key (repair). */
  collectKeys?: boolean;
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
}

export const EXPECTED_TABLE = 'drift_expected';

export async function checkProjectionDrift<Row>(
  db: DriftDb, registry: EventRegistry, spec: DriftSpec<Row>, target: DriftTarget, options: DriftOptions,
): Promise<DriftResult> {
  const table = checkedTableName(target.table);
  return db.snapshot(async (tx) => {
    const cps = await tx.$queryRawUnsafe<Array<{ topic: string; partition: number; offset: string; applied: string }>>(
      `SELECT topic, partition, "offset"::text AS offset, events_applied::text AS applied FROM projection_checkpoints
       WHERE projection = $1 AND topic = ANY($2::text[]) ORDER BY topic, partition`,
      target.checkpointName, [...spec.definition.topics],
    );
    const pending = await tx.$queryRawUnsafe<Array<{ position: string }>>(
      `SELECT position::text FROM outbox_events WHERE published_at IS NULL AND topic = ANY($1::text[]) AND type = ANY($2::text[]) LIMIT 100000`,
      [...spec.definition.topics], [...spec.definition.handles],
    );
    const unconfirmed = await waitPublished(db.sql, pending.map((p) => p.position), options);
    // A temp table (never WAL-logged) without indexes or constraints: loaded by plain
    // INSERTs, then analysed; the comparison scans it whole, so it needs no index.
    await tx.$executeRawUnsafe(`CREATE TEMP TABLE ${EXPECTED_TABLE} (LIKE ${table} INCLUDING DEFAULTS) ON COMMIT DROP`);
    const total = cps.reduce((n, c) => n + Number(c.applied), 0);
    const eventsRead = await recomputeInto(db, registry, spec, cps, tx, { ...options, total });
    await tx.$executeRawUnsafe(`ANALYZE ${EXPECTED_TABLE}`);
    const result = await compareTables(tx, spec, table, options);
    return { ...result, table: target.table, checkpoints: cps.map(({ topic, partition, offset }) => ({ topic, partition, offset })), eventsRead, unconfirmed };
  });
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

const BULK_INSERT = /^\s*INSERT\s+INTO\s+("[^"]+"|\w+)\s*\(([^)]*)\)\s*SELECT\s+\*\s+FROM\s+unnest\(/i;

/**
 * The store's bulk statement as an append: the drift check's temp table has no key
 * index while it loads (each key is written exactly once, the comparison scans
 * whole tables), so the upsert (`INSERT INTO t (cols) SELECT * FROM unnest($1, …)
 * ON CONFLICT …`) becomes a COPY of the same column arrays where the adapter has
 * one, else the same INSERT without its ON CONFLICT clause.
 */
function appendOnly(tx: SqlTx, db: Pick<DriftDb, 'copyInto'>): SqlTx {
  const plain = (query: string) => query.replace(/\s+ON\s+CONFLICT\b[\s\S]*$/i, '');
  return {
    $executeRawUnsafe: async (query, ...values) => {
      const bulk = db.copyInto && BULK_INSERT.exec(query);
      if (bulk && values.every(Array.isArray)) {
        await db.copyInto!(tx, bulk[1]!, bulk[2]!.split(',').map((c) => c.trim()), values as unknown[][]);
        return (values[0] as unknown[] | undefined)?.length ?? 0;
      }
      return tx.$executeRawUnsafe(plain(query), ...values);
    },
    $queryRawUnsafe: (query, ...values) => tx.$queryRawUnsafe(plain(query), ...values),
  };
}

/** Up to this many events at the cut, a drift check folds the whole log in memory (rows ≤ events). */
export const IN_MEMORY_MAX_EVENTS = 3_000_000;

/**
 * The drift check's fold when the log at the cut is small enough to hold its rows in
 * memory: the events in position order (an index scan, streamed — no sort of the whole
 * log by key before the first row, which key order costs), every key's row kept in one
 * map, then all rows appended at once. Same stream, decoder and evolve as foldLog.
 */
async function foldInMemory<Row>(
  db: Pick<DriftDb, 'stream'>, registry: EventRegistry, spec: DriftSpec<Row>, cps: readonly CutPoint[], target: SqlTx,
  options: Pick<DriftOptions, 'pageSize' | 'signal' | 'onProgress'> & { total: number },
): Promise<number> {
  const store = spec.storeFor(EXPECTED_TABLE);
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
  for (let i = 0; i < all.length; i += 50_000) await store.save(target, all.slice(i, i + 50_000));
  options.onProgress?.(read, options.total);
  return read;
}

/**
 * Folds the log at the cut, in key order, into `into`'s table. The whole log (a
 * drift check): the rebuild's fold (foldLog: cursor, envelopes as text, the cheap
 * decoder), each page's finished rows appended to the drift check's unindexed temp
 * table. Only some keys (repair): those keys' events, upserted into `options.table`.
 */
export async function recomputeInto<Row>(
  db: Pick<DriftDb, 'stream' | 'copyInto'>, registry: EventRegistry, spec: DriftSpec<Row>,
  cps: ReadonlyArray<{ topic: string; partition: number; offset: string }>, into: SqlTx,
  options: Pick<DriftOptions, 'pageSize' | 'signal' | 'onProgress'> & { total: number; keys?: readonly string[]; table?: string },
): Promise<number> {
  const store = spec.storeFor(options.table ?? EXPECTED_TABLE);
  if (!options.keys && !options.table && options.total <= IN_MEMORY_MAX_EVENTS && cps.length > 0) {
    return foldInMemory(db, registry, spec, cps, appendOnly(into, db), options);
  }
  if (!options.keys) {
    const target = options.table ? into : appendOnly(into, db);
    let read = 0;
    const last = await foldLog(db, registry, spec, cps, { afterKey: null, pageSize: options.pageSize ?? 10_000, signal: options.signal }, async (page) => {
      await store.save(target, page.rows);
      read += page.events;
      options.onProgress?.(read, options.total);
    });
    await store.save(target, last.rows);
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

/**
 * Compares `table` (actual) with `expected` (default: the recomputation's temp table)
 * by bucket checksums, drilling into differing buckets only. Both names already quoted
 * (checkedTableName) or the temp table's. A rebuild compares the active table with the
 * rebuilt one this way (lib/backbone/projection-rebuild.ts).
 */
export async function compareTables<Row>(
  tx: SqlTx, spec: DriftSpec<Row>, table: string, options: Pick<DriftOptions, 'buckets' | 'samplesPerKind' | 'collectKeys'>, expected: string = EXPECTED_TABLE,
) {
  const cols = spec.compareColumns;
  const sums = await tx.$queryRawUnsafe<Array<{ bucket: number; en: string; an: string; differs: boolean }>>(
    `WITH x AS (${bucketChecksumSql(expected, spec.keyColumn, cols, options.buckets)}),
          y AS (${bucketChecksumSql(table, spec.keyColumn, cols, options.buckets)})
     SELECT bucket, coalesce(x.n, 0)::text AS en, coalesce(y.n, 0)::text AS an,
            (x.n IS DISTINCT FROM y.n OR x.h IS DISTINCT FROM y.h) AS differs
     FROM x FULL JOIN y USING (bucket)`,
  );
  const differing = sums.filter((s) => s.differs).map((s) => s.bucket);
  const base = {
    rowsExpected: sums.reduce((n, s) => n + Number(s.en), 0),
    rowsActual: sums.reduce((n, s) => n + Number(s.an), 0),
    buckets: options.buckets, bucketsDiffering: differing.length,
  };
  if (differing.length === 0) {
    const counts = { ...base, missing: 0, extra: 0, different: 0 };
    return { ...counts, rowsCompared: counts.rowsExpected, driftPct: 0, samples: [], keys: options.collectKeys ? [] : undefined };
  }
  const side = (t: string) => `SELECT t.${q(spec.keyColumn)}::text AS k, ${rowHashSql('t', spec.keyColumn, cols)} AS h, row_to_json(t) AS j
     FROM ${t} t WHERE ${bucketSql('t', spec.keyColumn, options.buckets)} = ANY($1::int[])`;
  const diff = `WITH x AS (${side(expected)}), y AS (${side(table)}),
     d AS (SELECT coalesce(x.k, y.k) AS k, x.j AS expected, y.j AS actual,
                  CASE WHEN y.k IS NULL THEN 'missing' WHEN x.k IS NULL THEN 'extra' ELSE 'different' END AS kind
           FROM x FULL JOIN y ON x.k = y.k WHERE x.k IS NULL OR y.k IS NULL OR x.h <> y.h)`;
  const [c] = (await tx.$queryRawUnsafe(
    `${diff} SELECT count(*) FILTER (WHERE kind = 'missing')::int AS missing, count(*) FILTER (WHERE kind = 'extra')::int AS extra,
                    count(*) FILTER (WHERE kind = 'different')::int AS different FROM d`, differing,
  )) as [{ missing: number; extra: number; different: number }];
  const sampled = await tx.$queryRawUnsafe<Array<{ k: string; expected: Record<string, unknown> | null; actual: Record<string, unknown> | null }>>(
    `${diff} SELECT k, expected, actual FROM (SELECT d.*, row_number() OVER (PARTITION BY kind ORDER BY k) AS rn FROM d) s WHERE rn <= $2 ORDER BY k`,
    differing, options.samplesPerKind,
  );
  const keys = options.collectKeys
    ? (await tx.$queryRawUnsafe<Array<{ k: string }>>(`${diff} SELECT k FROM d ORDER BY k`, differing)).map((r) => r.k)
    : undefined;
  const counts: DriftCounts = { ...base, ...c };
  return {
    ...counts, buckets: base.buckets, bucketsDiffering: base.bucketsDiffering,
    rowsCompared: counts.rowsExpected + counts.extra, driftPct: driftPercent(counts),
    samples: pickSamples(sampled.map((s) => ({ key: s.k, expected: s.expected, actual: s.actual })), cols, options.samplesPerKind),
    keys,
  };
}

const q = (c: string) => `"${c.replace(/"/g, '')}"`;
