import { apiRoute } from '@/lib/http/api-route';
import { getTraces, tracesQuerySchema } from '@/lib/read/get-traces';

export const dynamic = 'force-dynamic';

// GET /api/traces?q=<any id>: the flows it leads to; without q: recent flows, failures first.
export const GET = apiRoute({ action: 'traces.read', query: tracesQuerySchema }, async ({ ctx, query }) => getTraces(ctx.db, query, ctx.now()));
