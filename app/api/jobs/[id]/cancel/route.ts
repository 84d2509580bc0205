import { apiRoute } from '@/lib/http/api-route';
import { consoleJobDeps } from '@/lib/console/job-deps';
import { cancelJob } from '@/lib/app/cancel-job';

export const dynamic = 'force-dynamic';

/** Cancel the job; the job's kind may need more than the route's role. Answers with the job. */
export const POST = apiRoute({ action: 'job.cancel' }, async ({ ctx, user, params }) => cancelJob(consoleJobDeps(ctx), user, params.id ?? ''));
