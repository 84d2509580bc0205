import type { Db } from '../adapters/prisma/client';
import { hasRole } from '../domain/roles';
import type { SessionUser } from '../domain/session-user';
import { AppError, isAppError } from '../errors';
import { applyJobCommand, jobAccess } from '../jobs/job-commands';
import type { JobKindRegistry } from '../jobs/job-kind';
import type { JobCommand } from '../jobs/job-state';
import type { JobView } from '../jobs/job-view';
import { recordAudit } from './record-audit';

const doing: Record<JobCommand, string> = { pause: 'pausing', resume: 'resuming', cancel: 'cancelling' };

/**
 * What pause, resume and cancel share: the job kind's role is required (a refusal is
 * audited), the state change and its audit record commit together, and a refused
 * transition (`conflict`) is audited as failed before it is rethrown.
 */
export async function controlJob(
  deps: { db: Db; kinds: JobKindRegistry },
  actor: SessionUser,
  jobId: string,
  command: JobCommand,
): Promise<{ job: JobView; changed: boolean }> {
  const { db } = deps;
  const action = `job.${command}`;
  const access = await jobAccess(db, deps.kinds, jobId);
  const details = { kind: access.kind, scope: access.scope };
  if (!hasRole(actor.role, access.requiredRole)) {
    await recordAudit(db, { actor, action, target: jobId, outcome: 'denied', details: { ...details, requiredRole: access.requiredRole } });
    throw new AppError('forbidden', `${doing[command]} a ${access.kind} job needs the ${access.requiredRole} role`);
  }
  try {
    return await applyJobCommand(db, {
      jobId,
      command,
      audit: (tx, change) => recordAudit(tx, { actor, action, target: jobId, outcome: 'ok', details: change }),
    });
  } catch (error) {
    if (isAppError(error) && error.code === 'conflict') {
      await recordAudit(db, { actor, action, target: jobId, outcome: 'failed', details: { ...details, error: error.message } });
    }
    throw error;
  }
}
