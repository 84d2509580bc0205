// `projection.drift-check`: compares the active version of a projection with its
// recomputation from the log at the version's checkpoint and stores a drift
// report. One step: a check is redone from scratch if its worker dies (it
// changes nothing but the report it writes at the end, and the check's own
// persisted recomputation, which commits with it). `cold: true` recomputes the
// whole log instead of folding only the events since the last check.
import { activeVersion } from '../../adapters/prisma/projection-registry';
import { saveDriftReport } from '../../adapters/prisma/projection-drift-db';
import { pgDriftDb } from '../../adapters/postgres/event-log-stream';
import { checkProjectionDrift } from '../../backbone/projection-drift';
import { demoDriftSpecs } from '../../demo/projections/drift-specs';
import { AppError } from '../../errors';
import type { ProjectionJobDeps } from './projection-deps';
import { defineProjectionJobKind } from './projection-job';

export async function runDriftCheck(deps: ProjectionJobDeps, projection: string, jobId: string | null, extra: { collectKeys?: boolean; cold?: boolean; signal?: AbortSignal; onProgress?(d: number, t: number): void } = {}) {
  const spec = demoDriftSpecs[projection];
  if (!spec) throw new AppError('bad_request', `unknown projection ${projection}`);
  const active = await activeVersion(deps.db, projection);
  const startedAt = new Date();
  const options = {
    buckets: deps.env.PROJECTION_DRIFT_BUCKETS, samplesPerKind: deps.env.PROJECTION_DRIFT_SAMPLES,
    publishWaitMs: deps.env.PROJECTION_DRIFT_PUBLISH_WAIT_MS, ...extra,
  };
  try {
    const result = await checkProjectionDrift(pgDriftDb(deps.env.DATABASE_URL, deps.db), deps.registry, spec, active, options);
    const reportId = await saveDriftReport(deps.db, { projection, version: active.version, table: active.table, jobId, startedAt, result });
    return { reportId, result, active };
  } catch (error) {
    if (!extra.signal?.aborted) {
      const message = error instanceof Error ? error.message : String(error);
      await saveDriftReport(deps.db, { projection, version: active.version, table: active.table, jobId, startedAt, error: message });
    }
    throw error;
  }
}

export function createProjectionDriftCheckJob(getDeps: () => Promise<ProjectionJobDeps>) {
  return defineProjectionJobKind<never>(getDeps, {
    name: 'projection.drift-check',
    requiredRole: 'operator',
    async run(ctx, deps) {
      const { reportId, result } = await runDriftCheck(deps, ctx.params.projection, ctx.jobId, {
        cold: ctx.params.cold, signal: ctx.signal, onProgress: (d, t) => ctx.progress(d, Math.max(d, t), 0),
      });
      return {
        reportId, rowsCompared: result.rowsCompared, missing: result.missing, extra: result.extra, different: result.different, driftPct: result.driftPct,
        mode: result.mode, coldReason: result.coldReason, eventsRead: result.eventsRead,
      };
    },
  });
}
