import { apiRoute } from '@/lib/http/api-route';
import { getJob } from '@/lib/read/get-job';

export const dynamic = 'force-dynamic';

/** One job with its progress (done/total, failures, rate, ETA). */
export const GET = apiRoute({ action: 'jobs.read' }, async ({ ctx, params }) => getJob(ctx.db, params.id ?? ''));
