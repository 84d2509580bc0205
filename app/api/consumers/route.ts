import { apiRoute } from '@/lib/http/api-route';
import { consumerListQuerySchema } from '@/lib/read/consumer-view';
import { listConsumerGroups } from '@/lib/read/list-consumer-groups';

export const dynamic = 'force-dynamic';

// Public API (README "API"): session or API token.
export const GET = apiRoute({ action: 'consumers.read', query: consumerListQuerySchema }, async ({ ctx, query }) => listConsumerGroups(ctx.db, ctx.now(), query));
