import { apiRoute } from '@/lib/http/api-route';
import { getConsumersOverview } from '@/lib/read/get-consumers-overview';

export const dynamic = 'force-dynamic';

// The Overview's consumer tiles. A static segment: it wins over /api/consumers/[group].
export const GET = apiRoute({ action: 'consumers.read' }, async ({ ctx }) => getConsumersOverview(ctx.db, ctx.now()));
