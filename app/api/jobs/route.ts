import { NextResponse } from 'next/server';
import { apiRoute } from '@/lib/http/api-route';
import { consoleJobDeps } from '@/lib/console/job-deps';
import { startJob, startJobRequestSchema } from '@/lib/app/start-job';
import { jobFilterSchema, listJobs } from '@/lib/read/list-jobs';

export const dynamic = 'force-dynamic';

/** Jobs newest first: ?kind=&state=queued,running&scope=&after=<cursor>&limit= → { jobs, next }. */
// apiRoute validates the query (400 with issues); listJobs takes the raw filter and parses it itself.
export const GET = apiRoute({ action: 'jobs.read', query: jobFilterSchema }, async ({ ctx, req }) =>
  listJobs(ctx.db, Object.fromEntries(req.nextUrl.searchParams.entries())),
);

/** Starts a job: { kind, params, idempotencyKey? } → 201 { job, created: true } (200 with created: false for a repeated key). */
export const POST = apiRoute({ action: 'job.start', body: startJobRequestSchema }, async ({ ctx, user, body }) => {
  const result = await startJob(consoleJobDeps(ctx), user, body);
  return NextResponse.json(result, { status: result.created ? 201 : 200 });
});
