import { apiRoute } from '@/lib/http/api-route';
import { getDlqCause } from '@/lib/read/get-dlq-cause';
import { listDlqMessagesQuery } from '@/lib/read/list-dlq-messages';

export const dynamic = 'force-dynamic';

/** One failure group with per-consumer counts, trend and a page of its messages (?consumer=&status=&cursor=&limit=). */
export const GET = apiRoute({ action: 'dlq.read', query: listDlqMessagesQuery }, async ({ ctx, query, params }) =>
  getDlqCause(ctx.db, params.cause ?? '', query, ctx.now()),
);
