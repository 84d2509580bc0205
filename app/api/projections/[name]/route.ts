import { apiRoute } from '@/lib/http/api-route';
import { AppError } from '@/lib/errors';
import { getProjection } from '@/lib/read/list-projections';

export const dynamic = 'force-dynamic';

// Public API (README "API"): one projection and its drift report history.
export const GET = apiRoute({ action: 'projections.read' }, async ({ ctx, params }) => {
  const view = await getProjection(ctx.db, params.name ?? '');
  if (!view.projection) throw new AppError('not_found', `no projection named ${params.name}`);
  return view;
});
