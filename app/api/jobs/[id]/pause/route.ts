import { apiRoute } from '@/lib/http/api-route';
import { consoleJobDeps } from '@/lib/console/job-deps';
import { pauseJob } from '@/lib/app/pause-job';

export const dynamic = 'force-dynamic';

/** Pause the job; the job's kind may need more than the route's role. Answers with the job. */
export const POST = apiRoute({ action: 'job.pause' }, async ({ ctx, user, params }) => pauseJob(consoleJobDeps(ctx), user, params.id ?? ''));
