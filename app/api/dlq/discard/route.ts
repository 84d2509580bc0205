import { apiRoute } from '@/lib/http/api-route';
import { discardDlqMessages, discardRequestSchema } from '@/lib/app/discard-dlq-messages';
import { consoleDlqDeps } from '@/lib/console/dlq-deps';

export const dynamic = 'force-dynamic';

/** Discards open dead letters: { ids, reason } → { discarded, requested }. */
export const POST = apiRoute({ action: 'dlq.discard', body: discardRequestSchema }, async ({ ctx, user, body }) =>
  discardDlqMessages(consoleDlqDeps(ctx), user, body),
);
