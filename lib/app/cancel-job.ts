import type { Db } from '../adapters/prisma/client';
import { hasRole } from '../domain/roles';
import type { SessionUser } from '../domain/session-user';
import { AppError, isAppError } from '../errors';
import { applyJobCommand, jobAccess } from '../jobs/job-commands';
import type { JobKindRegistry } from '../jobs/job-kind';
import type { JobView } from '../jobs/job-view';
import { recordAudit } from './record-audit';

/**
 * Cancels a job: a queued or paused one at once, a running one becomes `cancelling`
 * and stops at its next checkpoint (or, if its worker died, when the sweeper sees
 * that). Needs the job kind's role; the change and its audit record commit together,
 * refusals are audited too.
 */
export async function cancelJob(deps: { db: Db; kinds: JobKindRegistry }, actor: SessionUser, jobId: string): Promise<JobView> {
  const { db } = deps;
  const access = await jobAccess(db, deps.kinds, jobId);
  const details = { kind: access.kind, scope: access.scope };
  if (!hasRole(actor.role, access.requiredRole)) {
    await recordAudit(db, { actor, action: 'job.cancel', target: jobId, outcome: 'denied', details: { ...details, requiredRole: access.requiredRole } });
    throw new AppError('forbidden', `cancelling a ${access.kind} job needs the ${access.requiredRole} role`);
  }
  try {
    const { job } = await applyJobCommand(db, {
      jobId,
      command: 'cancel',
      audit: (tx, change) => recordAudit(tx, { actor, action: 'job.cancel', target: jobId, outcome: 'ok', details: change }),
    });
    return job;
  } catch (error) {
    if (isAppError(error) && error.code === 'conflict') {
      await recordAudit(db, { actor, action: 'job.cancel', target: jobId, outcome: 'failed', details: { ...details, error: error.message } });
    }
    throw error;
  }
}
