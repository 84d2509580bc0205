import { apiRoute } from '@/lib/http/api-route';
import { getConsumerMetrics } from '@/lib/read/get-consumer-metrics';

export const dynamic = 'force-dynamic';

// Prometheus scrape endpoint: API token (Authorization: Bearer) or session; 401 otherwise.
export const GET = apiRoute({ action: 'metrics.read' }, async ({ ctx }) => {
  const { contentType, text } = await getConsumerMetrics(ctx.db, ctx.now());
  return new Response(text, { headers: { 'content-type': contentType, 'cache-control': 'no-store' } });
});
