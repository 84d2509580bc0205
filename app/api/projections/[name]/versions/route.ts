import { apiRoute } from '@/lib/http/api-route';
import { listProjectionVersions } from '@/lib/backbone/projection-rebuild-registry';

export const dynamic = 'force-dynamic';

/** Every version of the projection, newest first, with state, row estimate and the rebuild's old-vs-new diff. */
export const GET = apiRoute({ action: 'projections.read' }, async ({ ctx, params }) => ({
  versions: await listProjectionVersions(ctx.db, params.name ?? ''),
}));
