import type { SessionUser } from '../domain/session-user';
import type { JobView } from '../jobs/job-view';
import { controlJob } from './control-job';
import type { StartJobDeps } from './start-job';

/**
 * Resumes a paused job: it is queued again and a worker continues it from its last
 * checkpoint (a run still finishing its step when it was paused can no longer write).
 * Needs the job kind's role; the change and its audit record commit together,
 * refusals are audited too.
 */
export async function resumeJob(deps: StartJobDeps, actor: SessionUser, jobId: string): Promise<JobView> {
  const { job, changed } = await controlJob(deps, actor, jobId, 'resume');
  // After the commit; if this fails, the workers' sweep delivers it (docs/jobs.md).
  if (changed) await deps.queue?.enqueue(jobId).catch(() => undefined);
  return job;
}
