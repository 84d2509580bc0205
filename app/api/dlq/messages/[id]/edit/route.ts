import { z } from 'zod';
import { apiRoute } from '@/lib/http/api-route';
import { editDlqMessage } from '@/lib/app/edit-dlq-message';
import { consoleDlqDeps } from '@/lib/console/dlq-deps';

export const dynamic = 'force-dynamic';

/** Stores an edited `data` as a new version after checking it against the event type's schema: { data, reason } → { id, version }. */
export const POST = apiRoute(
  { action: 'dlq.edit', body: z.strictObject({ data: z.record(z.string(), z.unknown()), reason: z.string() }) },
  async ({ ctx, user, body, params }) => editDlqMessage(consoleDlqDeps(ctx), user, { id: params.id ?? '', ...body }),
);
