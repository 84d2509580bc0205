// The drift check's persisted recomputation of a projection version (docs/projections.md
// "Incremental drift checks"; the bookkeeping is pure in lib/domain/drift/base.ts):
// - its rows in `<table>__drift_base`, an UNLOGGED table of the version table's shape
//   with a unique index on the key (never WAL-logged; a crash empties it, which the
//   carried checksums then reveal);
// - its row in projection_drift_bases: cut, stamp, per-bucket checksums, counts.
// Everything here runs in the check's snapshot transaction, so rows and cut commit
// together or not at all.
import type { EventEnvelope } from '../domain/events/envelope';
import type { EventRegistry } from '../domain/events/registry';
import {
  baseStamp, baseTableName, type BucketChecksums, type CutOffset, type DeltaRange, type StoredBase,
} from '../domain/drift/base';
import { bucketSql, rowHashSql } from '../domain/drift/sql-parts';
import type { SqlTx } from './ports';
import { evolveRows, type ProjectionStore } from './projection';
import { checkedColumn, checkedTableName } from './projection-table';
import type { DriftDb, DriftSpec } from './projection-drift';
import { decodeLogged } from './recompute-projection';

export interface BaseKey { projection: string; version: number }

export interface BaseRecord extends StoredBase {
  baseTable: string;
  rows: number;
  events: number;
  /** Whether the rows table exists (it may have been dropped behind the check's back). */
  present?: boolean;
}

/** The stamp of what a spec's recomputation is made of (lib/domain/drift/base.ts baseStamp). */
export function stampOf<Row>(spec: DriftSpec<Row>, store: ProjectionStore<Row>): string {
  return baseStamp({
    projection: spec.definition.name, codeVersion: spec.codeVersion,
    evolveSource: spec.definition.evolve.toString(), keyOfSource: spec.definition.keyOf.toString(),
    handles: spec.definition.handles, topics: spec.definition.topics,
    keyColumn: spec.keyColumn, compareColumns: spec.compareColumns, columns: declaredColumns(store),
  });
}

export function declaredColumns<Row>(store: ProjectionStore<Row>): readonly string[] {
  if (!store.columns || !store.toColumns) throw new Error(`the store of ${store.table} declares no columns (ProjectionStore.columns/toColumns)`);
  return store.columns;
}

/**
 * Only one check per projection version may touch its base at a time: a
 * transaction-scoped advisory lock, tried (not waited for) as the snapshot's first
 * statement — waiting would leave the snapshot older than the other check's commit.
 */
export async function tryLockBase(tx: SqlTx, key: BaseKey): Promise<boolean> {
  const [row] = await tx.$queryRawUnsafe<Array<{ ok: boolean }>>(
    `SELECT pg_try_advisory_xact_lock(hashtextextended('drift-base' || chr(31) || $1 || chr(31) || $2::text, 0)) AS ok`, key.projection, key.version,
  );
  return row?.ok === true;
}

/** The stored base, its row locked (a concurrent change after the snapshot fails the check with a serialization error), or null. */
export async function loadBase(tx: SqlTx, key: BaseKey): Promise<BaseRecord | null> {
  const [row] = await tx.$queryRawUnsafe<Array<{
    table_name: string; base_table: string; stamp: string; buckets: number; cut: CutOffset[]; checksums: BucketChecksums; rows: string; events: string; present: boolean;
  }>>(
    `SELECT table_name, base_table, stamp, buckets, cut, checksums, rows::text, events::text, to_regclass(quote_ident(base_table)) IS NOT NULL AS present
     FROM projection_drift_bases WHERE projection = $1 AND version = $2 FOR UPDATE`, key.projection, key.version,
  );
  if (!row) return null;
  return {
    tableName: row.table_name, baseTable: row.base_table, stamp: row.stamp, buckets: row.buckets, cut: row.cut,
    checksums: row.checksums, rows: Number(row.rows), events: Number(row.events), present: row.present,
  };
}

export async function saveBase(tx: SqlTx, key: BaseKey, base: BaseRecord, built: boolean): Promise<void> {
  await tx.$executeRawUnsafe(
    `INSERT INTO projection_drift_bases (projection, version, table_name, base_table, stamp, buckets, cut, checksums, rows, events, built_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10, now(), now())
     ON CONFLICT (projection, version) DO UPDATE SET table_name = EXCLUDED.table_name, base_table = EXCLUDED.base_table, stamp = EXCLUDED.stamp,
       buckets = EXCLUDED.buckets, cut = EXCLUDED.cut, checksums = EXCLUDED.checksums, rows = EXCLUDED.rows, events = EXCLUDED.events,
       built_at = CASE WHEN $11 THEN now() ELSE projection_drift_bases.built_at END, updated_at = now()`,
    key.projection, key.version, base.tableName, base.baseTable, base.stamp, base.buckets,
    JSON.stringify(base.cut.map(({ topic, partition, offset }) => ({ topic, partition, offset }))), JSON.stringify(base.checksums),
    base.rows, base.events, built,
  );
}

/**
 * Bases of the projection's other versions whose version table is gone (dropped after a
 * swap): their rows tables dropped, their rows deleted. Run by cold builds, in the check's
 * transaction.
 */
export async function dropOrphanBases(tx: SqlTx, key: BaseKey): Promise<string[]> {
  const orphans = await tx.$queryRawUnsafe<Array<{ version: number; base_table: string }>>(
    `DELETE FROM projection_drift_bases WHERE projection = $1 AND version <> $2 AND to_regclass(quote_ident(table_name)) IS NULL
     RETURNING version, base_table`, key.projection, key.version,
  );
  for (const o of orphans) await tx.$executeRawUnsafe(`DROP TABLE IF EXISTS ${checkedTableName(o.base_table)}`);
  return orphans.map((o) => o.base_table);
}

/** A fresh, empty rows table for a cold build (an older one is replaced within the transaction). */
export async function createBaseTable(tx: SqlTx, table: string): Promise<string> {
  const base = baseTableName(table);
  await tx.$executeRawUnsafe(`DROP TABLE IF EXISTS ${checkedTableName(base)}`);
  await tx.$executeRawUnsafe(`CREATE UNLOGGED TABLE ${checkedTableName(base)} (LIKE ${checkedTableName(table)} INCLUDING DEFAULTS)`);
  return base;
}

/** After a cold load: the key index the next incremental check loads and upserts by, and fresh statistics. */
export async function finishBaseTable(tx: SqlTx, base: string, keyColumn: string): Promise<void> {
  await tx.$executeRawUnsafe(`CREATE UNIQUE INDEX ON ${checkedTableName(base)} (${checkedColumn(keyColumn)})`);
  await tx.$executeRawUnsafe(`ANALYZE ${checkedTableName(base)}`);
}

/**
 * Appends rows to a table of the store's shape by the store's declared column
 * encoding: COPY where the adapter has it, else one INSERT from a JSON array
 * typed by the table itself (json_populate_recordset). No unique index needed.
 */
export async function appendRows<Row>(
  db: Pick<DriftDb, 'copyInto'>, tx: SqlTx, store: ProjectionStore<Row>, table: string, rows: readonly Row[],
): Promise<void> {
  if (rows.length === 0) return;
  const columns = declaredColumns(store);
  const values = store.toColumns!(rows);
  if (values.length !== columns.length) throw new Error(`the store of ${store.table} encodes ${values.length} columns, declares ${columns.length}`);
  if (db.copyInto) return db.copyInto(tx, checkedTableName(table), columns, values);
  const json = rows.map((_, i) => Object.fromEntries(columns.map((c, j) => [c, encodeJson(values[j]![i])])));
  const names = columns.map(checkedColumn).join(', ');
  await tx.$executeRawUnsafe(
    `INSERT INTO ${checkedTableName(table)} (${names}) SELECT ${names} FROM json_populate_recordset(NULL::${checkedTableName(table)}, $1::json)`,
    JSON.stringify(json),
  );
}

const encodeJson = (v: unknown) => (typeof v === 'bigint' ? v.toString() : v);

/** Per-bucket count and XOR of row hashes of the given keys' rows in `table` (the delta's before and after). */
export async function keyChecksums(
  tx: SqlTx, table: string, spec: Pick<DriftSpec<unknown>, 'keyColumn' | 'compareColumns'>, keyType: string, keys: readonly string[], buckets: number,
): Promise<BucketChecksums> {
  const out: BucketChecksums = {};
  for (let i = 0; i < keys.length; i += KEY_CHUNK) {
    const rows = await tx.$queryRawUnsafe<Array<{ bucket: number; n: string; h: string }>>(
      `SELECT ${bucketSql('t', spec.keyColumn, buckets)} AS bucket, count(*)::text AS n, bit_xor(${rowHashSql('t', spec.keyColumn, spec.compareColumns)})::text AS h
       FROM ${checkedTableName(table)} t WHERE t.${checkedColumn(spec.keyColumn)} = ANY($1::text[]::${keyType}[]) GROUP BY 1`,
      keys.slice(i, i + KEY_CHUNK),
    );
    for (const r of rows) {
      const prev = out[String(r.bucket)];
      const h = BigInt(prev?.h ?? '0') ^ BigInt(r.h);
      out[String(r.bucket)] = { n: (prev?.n ?? 0) + Number(r.n), h: BigInt.asIntN(64, h).toString() };
    }
  }
  return out;
}

const KEY_CHUNK = 20_000;

/** The key column's SQL type (e.g. text, uuid), to cast key arrays for an index lookup. */
export async function keyColumnType(tx: SqlTx, table: string, keyColumn: string): Promise<string> {
  const [row] = await tx.$queryRawUnsafe<Array<{ type: string }>>(
    `SELECT format_type(atttypid, NULL) AS type FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $2 AND NOT attisdropped`,
    checkedTableName(table), keyColumn,
  );
  if (!row || !/^[a-z][a-z0-9 _]*$/.test(row.type)) throw new Error(`no key column ${keyColumn} in ${table}`);
  return row.type;
}

// Per partition of the delta, an index range scan on (topic, partition, offset); OFFSET 0
// keeps the subquery from being flattened into a join the planner may answer, for a
// cursor's fast start, by walking the whole outbox in position order.
const DELTA_FILTER = `FROM unnest($1::text[], $2::int[], $3::bigint[], $4::bigint[]) WITH ORDINALITY AS d(topic, part, after, up_to, ord)
  CROSS JOIN LATERAL (SELECT e."offset", e.envelope FROM outbox_events e
    WHERE e.topic = d.topic AND e.partition = d.part AND e."offset" > coalesce(d.after, -1) AND e."offset" <= d.up_to AND e.type = ANY($5::text[])
    OFFSET 0) e`;

const deltaParams = (delta: readonly DeltaRange[], handles: readonly string[]) =>
  [delta.map((d) => d.topic), delta.map((d) => d.partition), delta.map((d) => d.after), delta.map((d) => d.upTo), [...handles]];

/** How many events the delta holds (in the caller's snapshot). */
export async function countDelta(tx: SqlTx, spec: Pick<DriftSpec<unknown>, 'definition'>, delta: readonly DeltaRange[]): Promise<number> {
  if (delta.length === 0) return 0;
  const [row] = await tx.$queryRawUnsafe<Array<{ n: string }>>(`SELECT count(*)::text AS n ${DELTA_FILTER}`, ...deltaParams(delta, spec.definition.handles));
  return Number(row?.n ?? 0);
}

export interface DeltaFold { events: number; keys: string[]; before: BucketChecksums; after: BucketChecksums }

/**
 * Folds the events in (base cut, new cut] onto the base rows of the keys they touch:
 * the events partition by partition in offset order (a key's events on one partition
 * in the order its consumer applied them; across partitions the projection's compared
 * columns do not depend on order — docs/projections.md), the
 * touched rows loaded from the base by key, evolved by the projection's own evolve,
 * upserted back by the store; the touched keys' checksums before and after.
 */
export async function foldDelta<Row>(
  db: Pick<DriftDb, 'stream'>, registry: EventRegistry, spec: DriftSpec<Row>, tx: SqlTx, base: string, delta: readonly DeltaRange[],
  options: { buckets: number; pageSize?: number; signal?: AbortSignal; onProgress?(read: number, total: number): void; total: number },
): Promise<DeltaFold> {
  const events: EventEnvelope[] = [];
  let read = 0;
  if (delta.length > 0) {
    await db.stream<{ envelope: string }>(
      `SELECT e.envelope::text AS envelope ${DELTA_FILTER} ORDER BY d.ord, e."offset"`, deltaParams(delta, spec.definition.handles), options.pageSize ?? 10_000,
      async (page) => {
        options.signal?.throwIfAborted();
        for (const r of page) {
          const event = decodeLogged(registry, r.envelope);
          if (event) events.push(event);
        }
        read += page.length;
        options.onProgress?.(read, options.total);
      },
    );
  }
  const handled = new Set<string>(spec.definition.handles);
  const keys = [...new Set(events.filter((e) => handled.has(e.type)).map((e) => spec.definition.keyOf(e as never)))];
  const store = spec.storeFor(base);
  const keyType = await keyColumnType(tx, base, spec.keyColumn);
  const before = await keyChecksums(tx, base, spec, keyType, keys, options.buckets);
  const current = new Map<string, Row>();
  for (let i = 0; i < keys.length; i += KEY_CHUNK) {
    for (const [k, row] of await store.load(tx, keys.slice(i, i + KEY_CHUNK))) current.set(k, row);
  }
  const changed = [...evolveRows(spec.definition, current, events).values()];
  for (let i = 0; i < changed.length; i += KEY_CHUNK) await store.save(tx, changed.slice(i, i + KEY_CHUNK));
  const after = await keyChecksums(tx, base, spec, keyType, keys, options.buckets);
  options.onProgress?.(read, options.total);
  return { events: read, keys, before, after };
}
