import { apiRoute } from '@/lib/http/api-route';
import { listChecks } from '@/lib/read/list-checks';

export const dynamic = 'force-dynamic';

export const GET = apiRoute({ action: 'checks.read' }, async ({ ctx }) => listChecks(ctx.db, ctx.now()));
