// The registry side of blue/green rebuilds (docs/projections.md): version states,
// the versions list the console shows, dropping a version, and failing the
// half-built versions whose rebuild job is gone. Raw SQL over projection_versions,
// projection_registry and projection_checkpoints; table names checked before use.
import { AppError } from '../errors';
import type { SqlTx } from './ports';
import { checkedTableName } from './projection-table';

export type VersionState = 'building' | 'ready' | 'active' | 'retired' | 'dropped' | 'failed';

export interface VersionRow {
  projection: string;
  version: number;
  table: string;
  checkpointName: string;
  state: VersionState;
  jobId: string | null;
}

type Raw = { projection: string; version: number; table_name: string; checkpoint_name: string; state: VersionState; job_id: string | null };
const toRow = (r: Raw): VersionRow => ({ projection: r.projection, version: r.version, table: r.table_name, checkpointName: r.checkpoint_name, state: r.state, jobId: r.job_id });

/** One version, locked FOR UPDATE when `lock`; null when there is none. */
export async function versionRow(tx: SqlTx, projection: string, version: number, lock = false): Promise<VersionRow | null> {
  const rows = await tx.$queryRawUnsafe<Raw[]>(
    `SELECT projection, version, table_name, checkpoint_name, state, job_id::text FROM projection_versions
     WHERE projection = $1 AND version = $2 ${lock ? 'FOR UPDATE' : ''}`, projection, version,
  );
  return rows[0] ? toRow(rows[0]) : null;
}

export async function setVersionState(tx: SqlTx, projection: string, version: number, state: VersionState): Promise<void> {
  await tx.$executeRawUnsafe(`UPDATE projection_versions SET state = $3 WHERE projection = $1 AND version = $2`, projection, version, state);
}

/** Drops a version's table and checkpoints (never the active one) and marks it `state` (dropped, or failed for an aborted build). */
export async function dropVersionTable(tx: SqlTx, row: VersionRow, state: 'dropped' | 'failed'): Promise<void> {
  const [active] = await tx.$queryRawUnsafe<Array<{ version: number }>>(`SELECT version FROM projection_registry WHERE projection = $1`, row.projection);
  if (active?.version === row.version) throw new AppError('conflict', `${row.projection} v${row.version} is the active version; swap another one in first`);
  await tx.$executeRawUnsafe(`DROP TABLE IF EXISTS ${checkedTableName(row.table)}`);
  await tx.$executeRawUnsafe(`DELETE FROM projection_checkpoints WHERE projection = $1`, row.checkpointName);
  await setVersionState(tx, row.projection, row.version, state);
}

/** Versions left `building` by a rebuild job that is no longer active (cancelled, failed, gone): failed, table dropped. */
export async function failOrphanBuilds(tx: SqlTx, projection: string, exceptJobId: string | null): Promise<number[]> {
  const rows = await tx.$queryRawUnsafe<Raw[]>(
    `SELECT v.projection, v.version, v.table_name, v.checkpoint_name, v.state, v.job_id::text FROM projection_versions v
     LEFT JOIN background_jobs j ON j.id = v.job_id
     WHERE v.projection = $1 AND v.state = 'building' AND (v.job_id IS NULL OR v.job_id IS DISTINCT FROM $2::uuid)
       AND (j.id IS NULL OR j.state::text NOT IN ('queued', 'running', 'paused', 'cancelling'))
     FOR UPDATE OF v`, projection, exceptJobId,
  );
  for (const r of rows) await dropVersionTable(tx, toRow(r), 'failed');
  return rows.map((r) => r.version);
}

export interface VersionView {
  version: number;
  table: string;
  checkpointName: string;
  state: VersionState;
  createdAt: string;
  activatedAt: string | null;
  retiredAt: string | null;
  jobId: string | null;
  /** pg_class.reltuples (an estimate, refreshed by ANALYZE/VACUUM); null for a dropped version or before the first estimate. */
  rowsEstimate: number | null;
  /** The old-vs-new diff the rebuild that built this version stored before it became ready. */
  diff: { reportId: string; missing: number; extra: number; different: number; driftPct: number; rowsCompared: number; finishedAt: string | null } | null;
}

/** Every version of a projection, newest first, with the rebuild's diff. */
export async function listProjectionVersions(sql: SqlTx, projection: string): Promise<VersionView[]> {
  const rows = await sql.$queryRawUnsafe<Array<Raw & {
    created_at: Date; activated_at: Date | null; retired_at: Date | null; est: number | null;
    report_id: string | null; missing: number | null; extra: number | null; different: number | null; drift_pct: number | null; rows_compared: number | null; finished_at: Date | null;
  }>>(
    `SELECT v.projection, v.version, v.table_name, v.checkpoint_name, v.state, v.job_id::text, v.created_at, v.activated_at, v.retired_at,
            CASE WHEN c.reltuples >= 0 THEN c.reltuples::float8 END AS est,
            d.id::text AS report_id, d.missing::int, d.extra::int, d.different::int, d.drift_pct, d.rows_compared::int AS rows_compared, d.finished_at
     FROM projection_versions v
     LEFT JOIN pg_class c ON v.state <> 'dropped' AND c.oid = to_regclass(quote_ident(v.table_name))
     LEFT JOIN LATERAL (SELECT * FROM drift_reports r WHERE v.job_id IS NOT NULL AND r.job_id = v.job_id ORDER BY r.started_at DESC LIMIT 1) d ON true
     WHERE v.projection = $1 ORDER BY v.version DESC`, projection,
  );
  return rows.map((r) => ({
    version: r.version, table: r.table_name, checkpointName: r.checkpoint_name, state: r.state,
    createdAt: r.created_at.toISOString(), activatedAt: r.activated_at?.toISOString() ?? null, retiredAt: r.retired_at?.toISOString() ?? null,
    jobId: r.job_id, rowsEstimate: r.est === null ? null : Math.round(r.est),
    diff: r.report_id ? { reportId: r.report_id, missing: r.missing!, extra: r.extra!, different: r.different!, driftPct: r.drift_pct!, rowsCompared: r.rows_compared!, finishedAt: r.finished_at?.toISOString() ?? null } : null,
  }));
}
