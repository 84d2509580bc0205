import { z } from 'zod';
import { apiRoute } from '@/lib/http/api-route';
import { WINDOWS } from '@/lib/read/consumer-view';
import { getOutboxPanel } from '@/lib/read/get-outbox-panel';

export const dynamic = 'force-dynamic';

const query = z.strictObject({ window: z.enum(WINDOWS).default('1h') });

export const GET = apiRoute({ action: 'consumers.read', query }, async ({ ctx, query }) => getOutboxPanel(ctx.db, ctx.now(), query.window));
