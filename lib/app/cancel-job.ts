import type { Db } from '../adapters/prisma/client';
import type { SessionUser } from '../domain/session-user';
import type { JobKindRegistry } from '../jobs/job-kind';
import type { JobView } from '../jobs/job-view';
import { controlJob } from './control-job';

/**
 * Cancels a job: a queued or paused one at once, a running one becomes `cancelling`
 * and stops at its next checkpoint (or, if its worker died, when the sweeper sees
 * that). Needs the job kind's role; the change and its audit record commit together,
 * refusals are audited too.
 */
export async function cancelJob(deps: { db: Db; kinds: JobKindRegistry }, actor: SessionUser, jobId: string): Promise<JobView> {
  return (await controlJob(deps, actor, jobId, 'cancel')).job;
}
