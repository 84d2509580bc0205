// The last step of `projection.rebuild` (projection-rebuild.ts): the rebuilt version
// brought to exactly the active version's point, old vs new compared by the drift
// machinery, the report stored and the version marked ready. The registry row is
// locked only while the snapshot this runs in is taken (inSnapshotAtActivePoint): the
// catch-up and the comparison run in that snapshot while live batches go on.
import { saveDriftReport } from '../../adapters/prisma/projection-drift-db';
import { recordAudit } from '../../adapters/prisma/audit-log';
import type { Db } from '../../adapters/prisma/client';
import { compareTables } from '../../backbone/projection-drift';
import { catchUp, inSnapshotAtActivePoint, type PointDb } from '../../backbone/projection-rebuild';
import { setVersionState, versionRow, type VersionRow } from '../../backbone/projection-rebuild-registry';
import { checkedTableName } from '../../backbone/projection-table';
import { demoDriftSpecs } from '../../demo/projections/drift-specs';
import { AppError } from '../../errors';
import type { ProjectionJobDeps } from './projection-deps';

const CATCHUP_BATCH = 2_000;
const DIFF_TIMEOUT_MS = 15 * 60_000;

export interface DiffOutcome { reportId: string; applied: number; missing: number; extra: number; different: number; driftPct: number; registryLockMs: number }

type PrismaTx = Parameters<Parameters<Db['$transaction']>[0]>[0];

function pointDb(db: Db, publishWaitMs: number): PointDb<PrismaTx> {
  return {
    transaction: (fn) => db.$transaction(fn, { timeout: publishWaitMs + 60_000, maxWait: 30_000 }),
    snapshot: (fn) => db.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(`SET LOCAL TimeZone = 'UTC'`);
      return fn(tx);
    }, { isolationLevel: 'RepeatableRead', timeout: DIFF_TIMEOUT_MS, maxWait: 30_000 }),
    sql: db,
  };
}

/**
 * Idempotent: a version no longer building returns the report its rebuild stored.
 * `registryLockMs`: how long the registry row was held (0 when nothing was done).
 */
export async function diffAndMarkReady(deps: ProjectionJobDeps, projection: string, version: VersionRow, jobId: string, signal: AbortSignal): Promise<DiffOutcome> {
  const spec = demoDriftSpecs[projection]!;
  const startedAt = new Date();
  const publishWaitMs = deps.env.PROJECTION_DRIFT_PUBLISH_WAIT_MS;
  const building = (await versionRow(deps.db, projection, version.version))?.state === 'building';
  const run = building
    ? await inSnapshotAtActivePoint(pointDb(deps.db, publishWaitMs), spec, projection, { publishWaitMs, signal }, async (tx, { active, target }) => {
      // Locked before either table is read: a cancel (which drops the table) waits, or this fails on its update.
      const row = await versionRow(tx, projection, version.version, true);
      if (row?.state !== 'building') return null;
      const applied = await catchUp(tx, deps.registry, spec, row, target, (effects) => effects(tx), { batch: CATCHUP_BATCH, signal });
      const diff = await compareTables(tx, spec, checkedTableName(active.table), { buckets: deps.env.PROJECTION_DRIFT_BUCKETS, samplesPerKind: deps.env.PROJECTION_DRIFT_SAMPLES }, checkedTableName(row.table));
      const reportId = await saveDriftReport(tx, {
        projection, version: active.version, table: active.table, jobId, startedAt,
        result: { ...diff, table: active.table, checkpoints: target, eventsRead: 0, unconfirmed: 0 },
      });
      await setVersionState(tx, projection, row.version, 'ready');
      const outcome = { reportId, applied, missing: diff.missing, extra: diff.extra, different: diff.different, driftPct: diff.driftPct };
      await recordAudit(tx, {
        actor: { id: null, email: `job:${jobId}`, role: 'system' }, action: 'projection.rebuild.ready', target: projection, outcome: 'ok',
        details: { jobId, version: row.version, table: row.table, activeVersion: active.version, ...outcome },
      });
      return outcome;
    })
    : null;
  if (run?.value) return { ...run.value, registryLockMs: run.lockHeldMs };
  const [report] = await deps.db.$queryRawUnsafe<Array<{ id: string; missing: number; extra: number; different: number; drift_pct: number }>>(
    `SELECT id::text, missing::int, extra::int, different::int, drift_pct FROM drift_reports WHERE job_id = $1::uuid ORDER BY started_at DESC LIMIT 1`, jobId,
  );
  if (!report) throw new AppError('conflict', `${projection} v${version.version} is no longer being built`);
  return { reportId: report.id, applied: 0, missing: report.missing, extra: report.extra, different: report.different, driftPct: report.drift_pct, registryLockMs: run?.lockHeldMs ?? 0 };
}
