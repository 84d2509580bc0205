import { z } from 'zod';
import { withoutNul } from '@/lib/domain/operator-text';
import { apiRoute } from '@/lib/http/api-route';
import { noteDlqCause } from '@/lib/app/note-dlq-cause';

export const dynamic = 'force-dynamic';

/** Sets the operators' note on a failure group: { note } (empty clears it). */
export const PUT = apiRoute({ action: 'dlq.note', body: z.object({ note: withoutNul(z.string().max(2_000)) }) }, async ({ ctx, user, body, params }) =>
  noteDlqCause({ db: ctx.db, now: ctx.now }, user, { cause: params.cause ?? '', note: body.note }),
);
