// What every demo read-model store shares: a checked table name, rows loaded
// locked for update by key, upserted from column arrays (one statement each),
// checkpoints through the same transaction. A store only says its SQL and how
// a row maps to and from its columns.
import { sqlCheckpoints } from '../../adapters/prisma/checkpoint-store';
import type { ProjectionStore } from '../../backbone/projection';
import { checkedTableName } from '../../backbone/projection-table';

export interface SqlStoreSpec<Row, Raw> {
  /** SELECT … FROM ${table} WHERE key = ANY($1) FOR UPDATE */
  select(table: string): string;
  /** The key and the row for a selected raw row. */
  fromRaw(raw: Raw): [string, Row];
  /** INSERT … SELECT * FROM unnest($1, $2, …) ON CONFLICT … DO UPDATE */
  upsert(table: string): string;
  /** The table's columns, in the order of `columns(rows)` and of the upsert's unnest parameters. */
  columnNames: readonly string[];
  /** One array per unnest parameter, in order. */
  columns(rows: readonly Row[]): unknown[][];
}

export function sqlStore<Row, Raw>(table: string, spec: SqlStoreSpec<Row, Raw>): ProjectionStore<Row> {
  const quoted = checkedTableName(table);
  return {
    table,
    checkpoints: sqlCheckpoints,
    async load(tx, keys) {
      const rows = await tx.$queryRawUnsafe<Raw[]>(spec.select(quoted), keys);
      return new Map(rows.map(spec.fromRaw));
    },
    async save(tx, rows) {
      if (rows.length > 0) await tx.$executeRawUnsafe(spec.upsert(quoted), ...spec.columns(rows));
    },
    columns: spec.columnNames,
    toColumns: (rows) => spec.columns(rows),
  };
}
