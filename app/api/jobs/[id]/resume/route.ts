import { apiRoute } from '@/lib/http/api-route';
import { consoleJobDeps } from '@/lib/console/job-deps';
import { resumeJob } from '@/lib/app/resume-job';

export const dynamic = 'force-dynamic';

/** Resume the job; the job's kind may need more than the route's role. Answers with the job. */
export const POST = apiRoute({ action: 'job.resume' }, async ({ ctx, user, params }) => resumeJob(consoleJobDeps(ctx), user, params.id ?? ''));
