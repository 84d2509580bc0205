import { apiRoute } from '@/lib/http/api-route';
import { listProjections } from '@/lib/read/list-projections';

export const dynamic = 'force-dynamic';

// Public API (README "API"): every projection with version, checkpoint, lag, rows, last drift check, state.
export const GET = apiRoute({ action: 'projections.read' }, async ({ ctx }) => listProjections(ctx.db));
