// The projection registry in PostgreSQL: projection_registry names the active
// version of each projection, projection_versions lists every version's table,
// checkpoint name and state (docs/projections.md). Implements the backbone's
// ProjectionVersionsPort and the registry changes a rebuild makes.
import type { ActiveVersion, ProjectionVersionsPort } from '../../backbone/projection-versions';
import { partitionKey } from '../../backbone/projection-versions';
import type { SqlTx } from '../../backbone/ports';
import { AppError } from '../../errors';
import { checkedTableName } from '../../backbone/projection-table';

type ActiveRaw = { projection: string; version: number; table_name: string; checkpoint_name: string };

const ACTIVE_SQL = `SELECT r.projection, r.version, v.table_name, v.checkpoint_name
  FROM projection_registry r JOIN projection_versions v ON v.projection = r.projection AND v.version = r.version
  WHERE r.projection = $1`;

const toActive = (r: ActiveRaw): ActiveVersion => ({ projection: r.projection, version: r.version, table: r.table_name, checkpointName: r.checkpoint_name });

export const sqlProjectionVersions: ProjectionVersionsPort<SqlTx> = {
  async active(tx, projection) {
    // The registry row is locked on its own first: a batch that waited for a swap's
    // UPDATE then reads the version the swap made active. Locking it in the join
    // would recheck only the registry row after the wait and join it with the old
    // version's row — no row at all.
    await tx.$queryRawUnsafe(`SELECT 1 FROM projection_registry WHERE projection = $1 FOR SHARE`, projection);
    const rows = await tx.$queryRawUnsafe<ActiveRaw[]>(ACTIVE_SQL, projection);
    if (!rows[0]) throw new AppError('internal', `projection ${projection} has no active version in projection_registry`);
    return toActive(rows[0]);
  },
  async offsets(tx, checkpointName, topics) {
    const rows = await tx.$queryRawUnsafe<Array<{ topic: string; partition: number; offset: bigint }>>(
      `SELECT topic, partition, "offset" FROM projection_checkpoints WHERE projection = $1 AND topic = ANY($2::text[])`,
      checkpointName,
      topics,
    );
    return new Map(rows.map((r) => [partitionKey(r.topic, r.partition), BigInt(r.offset)]));
  },
};

/** The active version without locking (reads, drift checks). */
export async function activeVersion(tx: SqlTx, projection: string): Promise<ActiveVersion> {
  const rows = await tx.$queryRawUnsafe<ActiveRaw[]>(ACTIVE_SQL, projection);
  if (!rows[0]) throw new AppError('not_found', `no projection named ${projection}`);
  return toActive(rows[0]);
}

/**
 * Adds the next version of a projection: a new table with the active one's shape
 * (columns, defaults, constraints, indexes), its own checkpoint name, state building.
 */
export async function createNextVersion(tx: SqlTx, projection: string, jobId: string | null): Promise<ActiveVersion> {
  const active = await activeVersion(tx, projection);
  const [{ next }] = (await tx.$queryRawUnsafe<Array<{ next: number }>>(
    `SELECT coalesce(max(version), 0) + 1 AS next FROM projection_versions WHERE projection = $1`, projection,
  )) as [{ next: number }];
  const table = `${active.table.replace(/_v\d+$/, '')}_v${next}`;
  const checkpointName = `${projection}@v${next}`;
  await tx.$executeRawUnsafe(`CREATE TABLE ${checkedTableName(table)} (LIKE ${checkedTableName(active.table)} INCLUDING ALL)`);
  await tx.$executeRawUnsafe(
    `INSERT INTO projection_versions (projection, version, table_name, checkpoint_name, state, job_id) VALUES ($1, $2, $3, $4, 'building', $5::uuid)`,
    projection, next, table, checkpointName, jobId,
  );
  return { projection, version: next, table, checkpointName };
}

/** Makes `version` the active one in one statement pair; the old active one becomes retired (kept until dropped). */
export async function swapActiveVersion(tx: SqlTx, projection: string, version: number): Promise<void> {
  const rows = await tx.$queryRawUnsafe<Array<{ table_name: string }>>(
    `SELECT table_name FROM projection_versions WHERE projection = $1 AND version = $2 AND state IN ('ready', 'retired') FOR UPDATE`, projection, version,
  );
  if (!rows[0]) throw new AppError('conflict', `${projection} v${version} is not ready to be made active`);
  await tx.$executeRawUnsafe(`UPDATE projection_versions SET state = 'retired', retired_at = now() WHERE projection = $1 AND state = 'active'`, projection);
  await tx.$executeRawUnsafe(`UPDATE projection_versions SET state = 'active', activated_at = now() WHERE projection = $1 AND version = $2`, projection, version);
  await tx.$executeRawUnsafe(`UPDATE projection_registry SET version = $2, active_table = $3, updated_at = now() WHERE projection = $1`, projection, version, rows[0].table_name);
}
