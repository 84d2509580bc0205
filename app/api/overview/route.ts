import { apiRoute } from '@/lib/http/api-route';
import { getSystemPulse } from '@/lib/read/get-system-pulse';

export const dynamic = 'force-dynamic';

export const GET = apiRoute({ action: 'overview.read' }, async ({ ctx }) => getSystemPulse(ctx.db, ctx.now()));
