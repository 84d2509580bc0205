// `projection.repair`: finds the divergent keys of a projection's active version
// (a drift check that collects keys), then recomputes just those keys from the log
// and writes them, one transaction per batch — the job's checkpoint transaction,
// so a batch and "batch done" commit together — with an audit record each.
// Inside the batch: the registry row FOR SHARE (no swap under it), the keys'
// advisory locks (the live consumer's, so no live batch touches them meanwhile),
// then the checkpoint: every committed live write to those keys is at or below
// it, and every waiting one is above it. Keys with events not yet marked
// published are left for the next run (their recomputation could miss them).
import { prismaDriftDb } from '../../adapters/prisma/projection-drift-db';
import { sqlProjectionVersions } from '../../adapters/prisma/projection-registry';
import { recordAudit } from '../../adapters/prisma/audit-log';
import { recomputeInto } from '../../backbone/projection-drift';
import { lockProjectionKeys } from '../../backbone/projection';
import { checkedColumn, checkedTableName } from '../../backbone/projection-table';
import { demoDriftSpecs } from '../../demo/projections/drift-specs';
import type { ProjectionJobDeps } from './projection-deps';
import { runDriftCheck } from './projection-drift-check';
import { defineProjectionJobKind } from './projection-job';

const MAX_KEYS = 200_000;

interface RepairCheckpoint { keys: string[]; next: number; repaired: number; deferred: string[] }

export function createProjectionRepairJob(getDeps: () => Promise<ProjectionJobDeps>) {
  return defineProjectionJobKind<RepairCheckpoint>(getDeps, {
    name: 'projection.repair',
    requiredRole: 'admin',
    async run(ctx, deps) {
      const name = ctx.params.projection;
      const spec = demoDriftSpecs[name]!;
      let cp = ctx.lastCheckpoint;
      if (!cp) {
        const { result } = await runDriftCheck(deps, name, ctx.jobId, { collectKeys: true, signal: ctx.signal });
        cp = { keys: (result.keys ?? []).slice(0, MAX_KEYS), next: 0, repaired: 0, deferred: [] };
        await ctx.checkpoint(cp);
      }
      const batchSize = deps.env.PROJECTION_REPAIR_BATCH;
      while (cp.next < cp.keys.length) {
        if (ctx.shouldStop()) return ctx.stopped;
        const keys = cp.keys.slice(cp.next, cp.next + batchSize);
        let outcome = { repaired: [] as string[], deferred: [] as string[] };
        const nextCp: RepairCheckpoint = { ...cp, next: cp.next + keys.length };
        await ctx.checkpoint(nextCp, async (tx) => {
          outcome = await repairKeys(deps, spec, name, keys, tx);
          nextCp.repaired = cp!.repaired + outcome.repaired.length;
          nextCp.deferred = [...cp!.deferred, ...outcome.deferred].slice(0, 1000);
          await recordAudit(tx, {
            actor: { id: null, email: `job:${ctx.jobId}`, role: 'system' }, action: 'projection.repair', target: name, outcome: 'ok',
            details: { jobId: ctx.jobId, repaired: outcome.repaired.length, deferred: outcome.deferred.length, keys: outcome.repaired.slice(0, 50) },
          });
        });
        cp = nextCp;
        ctx.progress(cp.next, cp.keys.length, cp.deferred.length);
      }
      const after = await runDriftCheck(deps, name, ctx.jobId, { signal: ctx.signal });
      return { divergent: cp.keys.length, repaired: cp.repaired, deferred: cp.deferred.length, driftAfterPct: after.result.driftPct, reportId: after.reportId };
    },
  });
}

type Tx = Parameters<typeof recordAudit>[0] & Parameters<typeof lockProjectionKeys>[0];

export async function repairKeys(deps: ProjectionJobDeps, spec: (typeof demoDriftSpecs)[string], projection: string, keys: string[], tx: Tx) {
  const active = await sqlProjectionVersions.active(tx, projection);
  await lockProjectionKeys(tx, active.table, keys);
  const unpublished = new Set((await tx.$queryRawUnsafe<Array<{ k: string }>>(
    `SELECT DISTINCT (${spec.eventKeySql}) AS k FROM outbox_events e
     WHERE e.published_at IS NULL AND e.topic = ANY($1::text[]) AND e.type = ANY($2::text[]) AND (${spec.eventKeySql}) = ANY($3::text[])`,
    [...spec.definition.topics], [...spec.definition.handles], keys,
  )).map((r) => r.k));
  const fix = keys.filter((k) => !unpublished.has(k));
  if (fix.length > 0) {
    const cps = await tx.$queryRawUnsafe<Array<{ topic: string; partition: number; offset: string }>>(
      `SELECT topic, partition, "offset"::text AS offset FROM projection_checkpoints WHERE projection = $1`, active.checkpointName,
    );
    await tx.$executeRawUnsafe(`DELETE FROM ${checkedTableName(active.table)} WHERE ${checkedColumn(spec.keyColumn)}::text = ANY($1::text[])`, fix);
    await recomputeInto(prismaDriftDb(deps.db), deps.registry, spec, cps, tx, { total: 0, keys: fix, table: active.table });
  }
  return { repaired: fix, deferred: [...unpublished] };
}
