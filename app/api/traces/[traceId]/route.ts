import { apiRoute } from '@/lib/http/api-route';
import { getTraceView } from '@/lib/read/get-trace-timeline';

export const dynamic = 'force-dynamic';

// GET /api/traces/{traceId}: the flow's timeline (steps, lanes, causation tree, missing steps).
export const GET = apiRoute({ action: 'traces.read' }, async ({ ctx, params }) =>
  getTraceView(ctx.db, { groupPrefix: ctx.env.KAFKA_GROUP_PREFIX, tracingUiUrlTemplate: ctx.env.TRACING_UI_URL_TEMPLATE }, params.traceId ?? ''),
);
