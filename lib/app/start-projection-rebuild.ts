// Starts a blue/green rebuild of a projection: a `projection.rebuild` job (admin,
// audited `job.start` with the job in one transaction by startJob; one per
// projection through its scope). The console polls the job for progress.
import { z } from 'zod';
import type { SessionUser } from '../domain/session-user';
import type { JobView } from '../jobs/job-view';
import { REBUILD_KIND } from '../jobs/kinds/projection-rebuild';
import { startJob, type StartJobDeps } from './start-job';

export const startProjectionRebuildSchema = z.object({
  idempotencyKey: z.string().trim().min(8).max(200).optional(),
  pageSize: z.number().int().min(50).max(50_000).optional(),
  throttleMs: z.number().int().min(0).max(5_000).optional(),
});
export type StartProjectionRebuildRequest = z.infer<typeof startProjectionRebuildSchema>;

export async function startProjectionRebuild(
  deps: StartJobDeps,
  actor: SessionUser,
  projection: string,
  input: StartProjectionRebuildRequest = {},
): Promise<{ job: JobView; created: boolean }> {
  const { idempotencyKey, ...options } = input;
  return startJob(deps, actor, { kind: REBUILD_KIND, params: { projection, ...options }, idempotencyKey });
}
