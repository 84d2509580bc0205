import { apiRoute } from '@/lib/http/api-route';
import { createApiToken, createApiTokenInputSchema } from '@/lib/app/create-api-token';
import { listApiTokens } from '@/lib/read/list-api-tokens';

export const dynamic = 'force-dynamic';

export const GET = apiRoute({ action: 'tokens.read' }, async ({ ctx }) => ({ tokens: await listApiTokens(ctx.db) }));

// The response carries the token itself: the only time it is ever shown.
export const POST = apiRoute({ action: 'tokens.create', body: createApiTokenInputSchema }, async ({ ctx, user, body }) => ({
  token: await createApiToken(ctx.db, user, body),
}));
