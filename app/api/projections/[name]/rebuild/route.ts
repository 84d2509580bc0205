import { NextResponse } from 'next/server';
import { apiRoute } from '@/lib/http/api-route';
import { consoleJobDeps } from '@/lib/console/job-deps';
import { startProjectionRebuild, startProjectionRebuildSchema } from '@/lib/app/start-projection-rebuild';

export const dynamic = 'force-dynamic';

/** Starts a blue/green rebuild job (admin): { idempotencyKey? } → 201 { job, created } (200 for a repeated key); progress at /api/jobs/<id>. */
export const POST = apiRoute({ action: 'projection.rebuild', body: startProjectionRebuildSchema }, async ({ ctx, user, body, params }) => {
  const result = await startProjectionRebuild(consoleJobDeps(ctx), user, params.name ?? '', body);
  return NextResponse.json(result, { status: result.created ? 201 : 200 });
});
