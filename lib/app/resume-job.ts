import type { Db } from '../adapters/prisma/client';
import { hasRole } from '../domain/roles';
import type { SessionUser } from '../domain/session-user';
import { AppError, isAppError } from '../errors';
import { applyJobCommand, jobAccess } from '../jobs/job-commands';
import type { JobKindRegistry } from '../jobs/job-kind';
import type { JobEnqueuer } from '../jobs/job-queue';
import type { JobView } from '../jobs/job-view';
import { recordAudit } from './record-audit';

/**
 * Resumes a paused job: it is queued again and a worker continues it from its last
 * checkpoint (a run still finishing its step when it was paused can no longer write).
 * Needs the job kind's role; the change and its audit record commit together,
 * refusals are audited too.
 */
export async function resumeJob(deps: { db: Db; kinds: JobKindRegistry; queue?: JobEnqueuer }, actor: SessionUser, jobId: string): Promise<JobView> {
  const { db } = deps;
  const access = await jobAccess(db, deps.kinds, jobId);
  const details = { kind: access.kind, scope: access.scope };
  if (!hasRole(actor.role, access.requiredRole)) {
    await recordAudit(db, { actor, action: 'job.resume', target: jobId, outcome: 'denied', details: { ...details, requiredRole: access.requiredRole } });
    throw new AppError('forbidden', `resuming a ${access.kind} job needs the ${access.requiredRole} role`);
  }
  try {
    const { job, changed } = await applyJobCommand(db, {
      jobId,
      command: 'resume',
      audit: (tx, change) => recordAudit(tx, { actor, action: 'job.resume', target: jobId, outcome: 'ok', details: change }),
    });
    // After the commit; if this fails, the workers' sweep delivers it (docs/jobs.md).
    if (changed) await deps.queue?.enqueue(jobId).catch(() => undefined);
    return job;
  } catch (error) {
    if (isAppError(error) && error.code === 'conflict') {
      await recordAudit(db, { actor, action: 'job.resume', target: jobId, outcome: 'failed', details: { ...details, error: error.message } });
    }
    throw error;
  }
}
