import { apiRoute } from '@/lib/http/api-route';
import { listDlqMessages, listDlqMessagesQuery } from '@/lib/read/list-dlq-messages';

export const dynamic = 'force-dynamic';

/** Dead letters, newest failure first: same filters as /api/dlq/causes plus cause= → { messages, nextCursor }. */
export const GET = apiRoute({ action: 'dlq.read', query: listDlqMessagesQuery }, async ({ ctx, query }) => listDlqMessages(ctx.db, query));
