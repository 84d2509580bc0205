import { z } from 'zod';
import { apiRoute } from '@/lib/http/api-route';
import { WINDOWS } from '@/lib/read/consumer-view';
import { getConsumerGroup } from '@/lib/read/get-consumer-group';

export const dynamic = 'force-dynamic';

const query = z.strictObject({ window: z.enum(WINDOWS).default('1h') });

// Public API (README "API"): session or API token.
export const GET = apiRoute({ action: 'consumers.read', query }, async ({ ctx, query, params }) => getConsumerGroup(ctx.db, ctx.now(), params.group ?? '', query.window));
