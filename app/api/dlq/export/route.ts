import { apiRoute } from '@/lib/http/api-route';
import { dlqFilterSchema } from '@/lib/domain/dlq/selection';
import { exportDlqCsv } from '@/lib/read/export-dlq-csv';

export const dynamic = 'force-dynamic';

/** CSV of the dead letters matching the filter (at most 100,000 rows); formula-like cells are neutralised. */
export const GET = apiRoute({ action: 'dlq.read', query: dlqFilterSchema }, async ({ ctx, query }) => {
  const csv = await exportDlqCsv(ctx.db, query);
  return new Response(csv, {
    headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="dlq-messages.csv"', 'cache-control': 'no-store' },
  });
});
