import { apiRoute } from '@/lib/http/api-route';
import { rateCapRequestSchema, updateDlqRateCap } from '@/lib/app/update-dlq-rate-cap';
import { consoleDlqDeps } from '@/lib/console/dlq-deps';
import { getDlqRateCap } from '@/lib/read/get-dlq-rate-cap';

export const dynamic = 'force-dynamic';

/** The replay rate cap in force: { rateCap, source, updatedBy, updatedAt }. */
export const GET = apiRoute({ action: 'dlq.read' }, async ({ ctx }) => getDlqRateCap(ctx.db, consoleDlqDeps(ctx).limits.rateCap));

/** Admins: { rateCap } (1-2000/s); running replays follow within a second. Audited. */
export const PUT = apiRoute({ action: 'dlq.rate.update', body: rateCapRequestSchema }, async ({ ctx, user, body }) =>
  updateDlqRateCap({ db: ctx.db, now: ctx.now, envCap: consoleDlqDeps(ctx).limits.rateCap }, user, body),
);
