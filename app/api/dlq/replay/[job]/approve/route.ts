import { apiRoute } from '@/lib/http/api-route';
import { approveDlqReplay } from '@/lib/app/approve-dlq-replay';

export const dynamic = 'force-dynamic';

/** A second person (an admin) approves a large replay; the job starts sending after this. */
export const POST = apiRoute({ action: 'dlq.approve' }, async ({ ctx, user, params }) => approveDlqReplay(ctx.db, user, params.job ?? ''));
