import { apiRoute } from '@/lib/http/api-route';
import { getDlqMessage } from '@/lib/read/get-dlq-message';

export const dynamic = 'force-dynamic';

/** One dead letter: envelope, headers, key, payload (json | text | hex), error, attempts, replays, versions, actions. */
export const GET = apiRoute({ action: 'dlq.read' }, async ({ ctx, params }) => getDlqMessage(ctx.db, params.id ?? ''));
