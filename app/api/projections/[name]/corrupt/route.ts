import { apiRoute } from '@/lib/http/api-route';
import { corruptProjection, corruptProjectionSchema } from '@/lib/app/corrupt-projection';

export const dynamic = 'force-dynamic';

// Demo knob: edits N rows of the projection behind its back (body { rows }).
export const POST = apiRoute({ action: 'demo.knobs.update', body: corruptProjectionSchema }, async ({ ctx, user, body, params }) =>
  corruptProjection(ctx.db, user, params.name ?? '', body),
);
