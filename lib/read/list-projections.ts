// The Projections page and GET /api/projections: each projection with its active
// version, checkpoint, lag behind the log, row estimate, last drift check, last
// rebuild and state. Row counts are pg_class.reltuples (no count(*) scans); lag is
// the published events past the checkpoint per partition, by the outbox index
// (topic, partition, offset), and the age of the oldest of them.
import type { Db } from '../adapters/prisma/client';
import { CUSTOMER_STATS } from '../demo/projections/customer-stats';
import { toJobView, type JobView } from '../jobs/job-view';

/** The job kind that rebuilds a projection into a new version (lib/jobs/kinds). */
export const REBUILD_KIND = 'projection.rebuild';

export interface DriftReportView {
  id: string; status: string; startedAt: string; finishedAt: string | null; version: number; table: string;
  rowsCompared: number; missing: number; extra: number; different: number; driftPct: number; eventsRead: number;
  bucketsDiffering: number; buckets: number; unconfirmed: number; error: string | null; jobId: string | null;
  samples: unknown; checkpoints: unknown;
}

export interface ProjectionView {
  projection: string; version: number; table: string; checkpointName: string;
  state: 'live' | 'rebuilding' | 'failed' | 'no checkpoint';
  rowsEstimate: number | null; eventsApplied: number; checkpointAt: string | null;
  lagEvents: number; lagSeconds: number | null;
  versions: Array<{ version: number; table: string; state: string; createdAt: string; activatedAt: string | null }>;
  lastDrift: DriftReportView | null;
  /** The job holding the projection's scope (drift check, repair or rebuild), with its progress. */
  activeJob: JobView | null;
  /** The latest rebuild job, whatever its state. */
  lastRebuild: JobView | null;
  /** The demo's corruption knob works on this projection (lib/app/corrupt-projection.ts). */
  demoKnob: boolean;
}

type Raw = Record<string, unknown>;

export function driftReportView(r: Raw): DriftReportView {
  const n = (k: string) => Number(r[k] ?? 0);
  const iso = (k: string) => (r[k] ? new Date(r[k] as string).toISOString() : null);
  return {
    id: String(r.id), status: String(r.status), startedAt: iso('started_at')!, finishedAt: iso('finished_at'), version: n('version'), table: String(r.table_name),
    rowsCompared: n('rows_compared'), missing: n('missing'), extra: n('extra'), different: n('different'), driftPct: n('drift_pct'),
    eventsRead: n('events_read'), bucketsDiffering: n('buckets_differing'), buckets: n('buckets'), unconfirmed: n('unconfirmed'),
    error: (r.error as string | null) ?? null, jobId: (r.job_id as string | null) ?? null, samples: r.samples ?? [], checkpoints: r.checkpoints ?? [],
  };
}

export async function listProjections(db: Db): Promise<{ projections: ProjectionView[]; at: string }> {
  const rows = await db.$queryRawUnsafe<Raw[]>(`
    SELECT r.projection, r.version, v.table_name, v.checkpoint_name,
      (SELECT greatest(c.reltuples, 0)::bigint FROM pg_class c WHERE c.oid = to_regclass(quote_ident(v.table_name))) AS rows_estimate,
      (SELECT coalesce(sum(events_applied), 0)::bigint FROM projection_checkpoints WHERE projection = v.checkpoint_name) AS events_applied,
      (SELECT max(updated_at) FROM projection_checkpoints WHERE projection = v.checkpoint_name) AS checkpoint_at,
      lag.events AS lag_events, extract(epoch FROM now() - lag.oldest) AS lag_seconds,
      (SELECT row_to_json(d) FROM (SELECT * FROM drift_reports d WHERE d.projection = r.projection ORDER BY started_at DESC LIMIT 1) d) AS last_drift,
      (SELECT json_agg(json_build_object('version', x.version, 'table', x.table_name, 'state', x.state, 'createdAt', x.created_at, 'activatedAt', x.activated_at) ORDER BY x.version DESC)
         FROM projection_versions x WHERE x.projection = r.projection) AS versions,
      (SELECT j.id::text FROM background_jobs j
         WHERE j.scope = 'projection:' || r.projection AND j.state IN ('queued', 'running', 'paused', 'cancelling') LIMIT 1) AS active_job_id,
      (SELECT j.id::text FROM background_jobs j WHERE j.scope = 'projection:' || r.projection AND j.kind = $1 ORDER BY created_at DESC LIMIT 1) AS last_rebuild_id
    FROM projection_registry r JOIN projection_versions v ON v.projection = r.projection AND v.version = r.version
    LEFT JOIN LATERAL (
      SELECT count(*)::bigint AS events, min(e.published_at) AS oldest
      FROM projection_checkpoints c JOIN outbox_events e ON e.topic = c.topic AND e.partition = c.partition AND e."offset" > c."offset"
      WHERE c.projection = v.checkpoint_name
    ) lag ON true
    ORDER BY r.projection`, REBUILD_KIND);
  const jobIds = rows.flatMap((r) => [r.active_job_id, r.last_rebuild_id]).filter((id): id is string => typeof id === 'string');
  const jobs = new Map((jobIds.length ? await db.backgroundJob.findMany({ where: { id: { in: jobIds } } }) : []).map((j) => [j.id, toJobView(j)]));
  const projections = rows.map((r): ProjectionView => {
    const activeJob = jobs.get(r.active_job_id as string) ?? null;
    const lastRebuild = jobs.get(r.last_rebuild_id as string) ?? null;
    const versions = (r.versions as ProjectionView['versions']) ?? [];
    const state = projectionState({ activeJob, lastRebuild, versions, checkpointAt: r.checkpoint_at as string | null });
    return {
      projection: String(r.projection), version: Number(r.version), table: String(r.table_name), checkpointName: String(r.checkpoint_name), state,
      rowsEstimate: r.rows_estimate === null ? null : Number(r.rows_estimate), eventsApplied: Number(r.events_applied),
      checkpointAt: r.checkpoint_at ? new Date(r.checkpoint_at as string).toISOString() : null,
      lagEvents: Number(r.lag_events ?? 0), lagSeconds: r.lag_seconds === null ? null : Number(r.lag_seconds),
      versions, lastDrift: r.last_drift ? driftReportView(r.last_drift as Raw) : null, activeJob, lastRebuild,
      demoKnob: r.projection === CUSTOMER_STATS,
    };
  });
  return { projections, at: new Date().toISOString() };
}

/**
 * rebuilding: a rebuild job holds the scope, or a version is being built; failed: the
 * latest rebuild failed (not cancelled; reads still go to the active version) until
 * the next one; no checkpoint: nothing applied yet; otherwise live.
 */
export function projectionState(p: { activeJob: JobView | null; lastRebuild: JobView | null; versions: ProjectionView['versions']; checkpointAt: string | null }): ProjectionView['state'] {
  if (p.activeJob?.kind === REBUILD_KIND || p.versions.some((v) => v.state === 'building')) return 'rebuilding';
  if (p.lastRebuild?.state === 'failed') return 'failed';
  return p.checkpointAt ? 'live' : 'no checkpoint';
}

/** One projection with its drift report history (newest first, up to 100) and its recent jobs (newest first, up to 20). */
export async function getProjection(db: Db, name: string) {
  const { projections, at } = await listProjections(db);
  const projection = projections.find((p) => p.projection === name) ?? null;
  const reports = projection
    ? (await db.$queryRawUnsafe<Raw[]>(`SELECT * FROM drift_reports WHERE projection = $1 ORDER BY started_at DESC LIMIT 100`, name)).map(driftReportView)
    : [];
  const jobs = projection
    ? (await db.backgroundJob.findMany({ where: { scope: `projection:${name}` }, orderBy: { createdAt: 'desc' }, take: 20 })).map(toJobView)
    : [];
  return { projection, reports, jobs, at };
}
