import { z } from 'zod';
import { apiRoute } from '@/lib/http/api-route';
import { AppError } from '@/lib/errors';
import { revokeApiToken } from '@/lib/app/revoke-api-token';

export const dynamic = 'force-dynamic';

const id = z.uuid();

export const DELETE = apiRoute({ action: 'tokens.revoke' }, async ({ ctx, user, params }) => {
  const parsed = id.safeParse(params.id);
  if (!parsed.success) throw new AppError('bad_request', 'The token id must be a UUID.');
  return { revoked: await revokeApiToken(ctx.db, user, parsed.data, ctx.now()) };
});
