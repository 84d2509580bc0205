import { apiRoute } from '@/lib/http/api-route';
import { knobsUpdateSchema, readKnobs } from '@/lib/demo/knobs';
import { updateDemoKnobs } from '@/lib/app/update-demo-knobs';
import { actionRoles } from '@/lib/domain/roles';

export const dynamic = 'force-dynamic';

export const GET = apiRoute({}, async ({ ctx }) => ({ knobs: await readKnobs(ctx.db) }));

export const PATCH = apiRoute(
  { role: actionRoles['demo.knobs.update'], action: 'demo.knobs.update', body: knobsUpdateSchema, maxBodyBytes: 4 * 1024 },
  async ({ ctx, user, body }) => ({ knobs: await updateDemoKnobs(ctx.db, user, body) }),
);
