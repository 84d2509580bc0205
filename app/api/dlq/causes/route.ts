import { apiRoute } from '@/lib/http/api-route';
import { listDlqCauses, listDlqCausesQuery } from '@/lib/read/list-dlq-causes';

export const dynamic = 'force-dynamic';

/** Failure groups: ?consumer=&eventType=&q=&status=&from=&to=&traceId=&subject=&cursor=&limit= → { causes, nextCursor }. */
export const GET = apiRoute({ action: 'dlq.read', query: listDlqCausesQuery }, async ({ ctx, query }) => listDlqCauses(ctx.db, query, ctx.now()));
