// `projection.rebuild` (admin): blue/green rebuild of a projection into a new
// version table, stopping at "ready to swap" (docs/projections.md "Blue/green
// rebuild"). Steps, each resumable from the job's checkpoint:
// 1. cut: the live version's checkpoint offsets (one snapshot, unpublished rows
//    waited for); the next version's table is created LIKE the active one and
//    registered `building` in the checkpoint transaction.
// 2. fold: the log up to the cut, streamed in key order and folded in memory; each
//    page's finished rows are bulk-upserted (own connection), then the checkpoint
//    records the last finished key, so a killed worker's job resumes after it (a
//    page written but not checkpointed is written again: same rows, upserts).
// 3. catch-up: the version's own checkpoints advanced from the log towards the live
//    version's, a batch per checkpoint transaction.
// 4. diff (projection-rebuild-diff.ts): in a snapshot taken under the registry row
//    lock, which is released at once, the last events up to the active version's
//    checkpoint, then old vs new compared by the drift machinery and stored as a
//    drift report; the version becomes ready.
// Cancel: the half-built version is marked failed and its table dropped.
import { z } from 'zod';
import { activeVersion, createNextVersion } from '../../adapters/prisma/projection-registry';
import { prismaDriftDb } from '../../adapters/prisma/projection-drift-db';
import { advanceCheckpoints, catchUp, consistentPoint, countAtCut, foldLog, type CutPoint, type VersionRef } from '../../backbone/projection-rebuild';
import { dropVersionTable, failOrphanBuilds, versionRow, type VersionRow } from '../../backbone/projection-rebuild-registry';
import { checkedTableName } from '../../backbone/projection-table';
import type { SqlTx } from '../../backbone/ports';
import { demoDriftSpecs, demoProjectionNames } from '../../demo/projections/drift-specs';
import { AppError } from '../../errors';
import { defineJobKind, type JobContext, type Stopped } from '../job-kind';
import type { ProjectionJobDeps } from './projection-deps';
import { diffAndMarkReady } from './projection-rebuild-diff';
import { pgLogStream, pgPageWriter } from '../../adapters/postgres/event-log-stream';

export const REBUILD_KIND = 'projection.rebuild';

export const rebuildParams = z.object({
  projection: z.string().refine((p) => demoProjectionNames.includes(p), { message: `one of ${demoProjectionNames.join(', ')}` }),
  /** Events per cursor page (one checkpoint each). */
  pageSize: z.number().int().min(50).max(50_000).default(10_000),
  /** Pause after each page, to leave the database to live traffic (0: none). */
  throttleMs: z.number().int().min(0).max(5_000).default(0),
});
export type RebuildParams = z.infer<typeof rebuildParams>;

/** The same scope as drift check and repair: they exclude each other, one rebuild per projection. */
export const rebuildScope = (p: Pick<RebuildParams, 'projection'>) => `projection:${p.projection}`;

export interface RebuildCheckpoint {
  phase: 'fold' | 'catchup' | 'diff';
  cut: Array<CutPoint & { events: number }>;
  total: number;
  done: number;
  afterKey: string | null;
  rowsWritten: number;
  caughtUp: number;
}

const CATCHUP_BATCH = 2_000;
/** Unlocked catch-up rounds stop when a round applied fewer events than this (the rest is applied under the lock). */
const CLOSE_ENOUGH = 5_000;
const MAX_ROUNDS = 10;

class Stop extends Error {}

/** The version this job builds (registered with its id). */
export async function versionOfJob(tx: SqlTx, projection: string, jobId: string): Promise<VersionRow | null> {
  const rows = await tx.$queryRawUnsafe<Array<{ version: number }>>(
    `SELECT version FROM projection_versions WHERE projection = $1 AND job_id = $2::uuid ORDER BY version DESC LIMIT 1`, projection, jobId,
  );
  return rows[0] ? versionRow(tx, projection, rows[0].version) : null;
}

export function createProjectionRebuildJob(getDeps: () => Promise<ProjectionJobDeps>) {
  return defineJobKind<RebuildParams, RebuildCheckpoint>({
    name: REBUILD_KIND,
    params: rebuildParams,
    requiredRole: 'admin',
    scope: rebuildScope,
    async run(ctx) {
      const deps = await getDeps();
      try {
        return await rebuild(ctx, deps);
      } catch (error) {
        if (error instanceof Stop || ctx.shouldStop()) return stop(ctx, deps);
        // The run ends failed (a final state): the half-built version goes with it.
        await discardBuild(ctx, deps).catch(() => undefined);
        throw error;
      }
    },
  });
}

/** Paused or stopping: the checkpoint stands. Cancelled: the half-built version goes. */
async function stop(ctx: JobContext<RebuildParams, RebuildCheckpoint>, deps: ProjectionJobDeps): Promise<Stopped> {
  const [job] = await deps.db.$queryRawUnsafe<Array<{ state: string }>>(`SELECT state::text FROM background_jobs WHERE id = $1::uuid`, ctx.jobId);
  if (job?.state === 'cancelling') await discardBuild(ctx, deps);
  return ctx.stopped;
}

/** The version this job was building becomes failed and its table and checkpoints are dropped. */
async function discardBuild(ctx: JobContext<RebuildParams, RebuildCheckpoint>, deps: ProjectionJobDeps): Promise<void> {
  await deps.db.$transaction(async (tx) => {
    const row = await versionOfJob(tx, ctx.params.projection, ctx.jobId);
    const locked = row && (await versionRow(tx, row.projection, row.version, true));
    if (locked?.state === 'building') await dropVersionTable(tx, locked, 'failed');
  });
}

async function rebuild(ctx: JobContext<RebuildParams, RebuildCheckpoint>, deps: ProjectionJobDeps) {
  const { projection, pageSize, throttleMs } = ctx.params;
  const spec = demoDriftSpecs[projection];
  if (!spec) throw new AppError('bad_request', `unknown projection ${projection}`);
  const driftDb = prismaDriftDb(deps.db);
  const wait = { publishWaitMs: deps.env.PROJECTION_DRIFT_PUBLISH_WAIT_MS, signal: ctx.signal };
  const checkStop = () => {
    if (ctx.shouldStop()) throw new Stop();
  };
  const pause = () => (throttleMs > 0 ? new Promise((r) => setTimeout(r, throttleMs)) : Promise.resolve());

  let cp = ctx.lastCheckpoint;
  if (!cp) {
    const live = await activeVersion(deps.db, projection);
    const cut = await countAtCut(deps.db, spec, await consistentPoint(driftDb, spec, live.checkpointName, wait));
    const total = cut.reduce((n, c) => n + c.events, 0);
    cp = { phase: 'fold', cut, total, done: 0, afterKey: null, rowsWritten: 0, caughtUp: 0 };
    ctx.progress(0, total, 0);
    await ctx.checkpoint(cp, async (tx) => {
      await failOrphanBuilds(tx, projection, ctx.jobId);
      await createNextVersion(tx, projection, ctx.jobId);
    });
    checkStop();
  }
  const version = await versionOfJob(deps.db, projection, ctx.jobId);
  if (!version) throw new AppError('internal', `rebuild ${ctx.jobId} has no version registered`);
  if (version.state === 'failed' || version.state === 'dropped') throw new AppError('conflict', `${projection} v${version.version} was ${version.state} meanwhile`);
  const ref: VersionRef = { table: version.table, checkpointName: version.checkpointName };
  const store = spec.storeFor(version.table);
  ctx.progress(cp.done, cp.total, 0);

  if (cp.phase === 'fold') {
    const writer = await pgPageWriter(deps.env.DATABASE_URL);
    const folded = await foldLog(pgLogStream(deps.env.DATABASE_URL), deps.registry, spec, cp.cut, { afterKey: cp.afterKey, pageSize, signal: ctx.signal }, async (page) => {
      const next: RebuildCheckpoint = { ...cp!, afterKey: page.afterKey, done: cp!.done + page.events, rowsWritten: cp!.rowsWritten + page.rows.length };
      ctx.progress(next.done, next.total, 0);
      // Written first, then the position: a page written but not checkpointed is
      // redone on resume with the same rows (upserts of finished keys at a fixed cut).
      await writer.write((tx) => store.save(tx, page.rows));
      await ctx.checkpoint(next);
      cp = next;
      checkStop();
      await pause();
    }).finally(() => writer.end());
    const next: RebuildCheckpoint = { ...cp, phase: 'catchup', afterKey: folded.afterKey, done: cp.done + folded.events, rowsWritten: cp.rowsWritten + folded.rows.length };
    ctx.progress(next.done, next.total, 0);
    await ctx.checkpoint(next, async (tx) => {
      await store.save(tx, folded.rows);
      await advanceCheckpoints(tx, ref.checkpointName, cp!.cut);
    });
    cp = next;
    await deps.db.$executeRawUnsafe(`ANALYZE ${checkedTableName(version.table)}`);
    checkStop();
  }

  if (cp.phase === 'catchup') {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const live = await activeVersion(deps.db, projection);
      const target = await consistentPoint(driftDb, spec, live.checkpointName, wait);
      const applied = await catchUp(deps.db, deps.registry, spec, ref, target, async (effects, n) => {
        const next: RebuildCheckpoint = { ...cp!, done: cp!.done + n, total: cp!.total + n, caughtUp: cp!.caughtUp + n };
        ctx.progress(next.done, next.total, 0);
        await ctx.checkpoint(next, effects);
        cp = next;
        checkStop();
      }, { batch: CATCHUP_BATCH, signal: ctx.signal });
      if (applied < CLOSE_ENOUGH) break;
    }
    cp = { ...cp, phase: 'diff' };
    await ctx.checkpoint(cp);
    checkStop();
  }

  const diff = await withRetries(() => diffAndMarkReady(deps, projection, version, ctx.jobId, ctx.signal), ctx.signal);
  const done = cp.done + diff.applied;
  ctx.progress(done, cp.total + diff.applied, 0);
  return {
    version: version.version, table: version.table, eventsFolded: cp.done - cp.caughtUp, rowsWritten: cp.rowsWritten,
    caughtUp: cp.caughtUp + diff.applied, diffReportId: diff.reportId, missing: diff.missing, extra: diff.extra,
    different: diff.different, driftPct: diff.driftPct, registryLockMs: diff.registryLockMs, readyToSwap: true,
  };
}

/** The diff gives up (and releases the lock) when unpublished events do not get published in time; a few more tries before the job fails. */
async function withRetries<T>(fn: () => Promise<T>, signal: AbortSignal, tries = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= tries || !(error instanceof AppError && error.code === 'unavailable')) throw error;
      signal.throwIfAborted();
      await new Promise((r) => setTimeout(r, 1_000 * attempt));
    }
  }
}
