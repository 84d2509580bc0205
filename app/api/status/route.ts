import { apiRoute } from '@/lib/http/api-route';
import { getStatus } from '@/lib/read/get-status';

export const dynamic = 'force-dynamic';

export const GET = apiRoute({ action: 'status.read' }, async ({ ctx }) => getStatus(ctx.db, ctx.now()));
