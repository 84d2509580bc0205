import type { Db } from '../adapters/prisma/client';
import type { SessionUser } from '../domain/session-user';
import type { JobKindRegistry } from '../jobs/job-kind';
import type { JobView } from '../jobs/job-view';
import { controlJob } from './control-job';

/**
 * Pauses a job: a queued one is not started, a running one stops at its next
 * checkpoint (resume continues from there). Needs the job kind's role; the change
 * and its audit record commit together, refusals are audited too.
 */
export async function pauseJob(deps: { db: Db; kinds: JobKindRegistry }, actor: SessionUser, jobId: string): Promise<JobView> {
  return (await controlJob(deps, actor, jobId, 'pause')).job;
}
