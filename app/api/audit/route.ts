import { apiRoute } from '@/lib/http/api-route';
import { auditFilterSchema, listAuditEntries } from '@/lib/read/list-audit-entries';

export const dynamic = 'force-dynamic';

export const GET = apiRoute({ action: 'audit.read', query: auditFilterSchema }, async ({ ctx, query }) => ({
  entries: await listAuditEntries(ctx.db, query),
}));
