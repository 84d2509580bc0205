import { apiRoute } from '@/lib/http/api-route';
import { knobsUpdateSchema } from '@/lib/demo/knobs';
import { getDemoKnobs } from '@/lib/read/get-demo-knobs';
import { updateDemoKnobs } from '@/lib/app/update-demo-knobs';

export const dynamic = 'force-dynamic';

export const GET = apiRoute({ action: 'demo.knobs.read' }, async ({ ctx }) => getDemoKnobs(ctx.db));

export const PATCH = apiRoute(
  { action: 'demo.knobs.update', body: knobsUpdateSchema, maxBodyBytes: 4 * 1024 },
  async ({ ctx, user, body }) => ({ knobs: await updateDemoKnobs(ctx.db, user, body) }),
);
