import { NextResponse } from 'next/server';
import { apiRoute } from '@/lib/http/api-route';
import { replayDlqMessages, replayRequestSchema } from '@/lib/app/replay-dlq-messages';
import { consoleDlqDeps } from '@/lib/console/dlq-deps';

export const dynamic = 'force-dynamic';

/**
 * Replay: { selection: { by: ids|cause|trace|filter, … }, dryRun?, confirm?, ratePerSecond?, canary?, idempotencyKey? }
 * → { preview, jobs } (201 when a job was started; dryRun starts nothing).
 */
export const POST = apiRoute({ action: 'dlq.replay', body: replayRequestSchema }, async ({ ctx, user, body }) => {
  const result = await replayDlqMessages(consoleDlqDeps(ctx), user, body);
  return NextResponse.json(result, { status: result.jobs.some((j) => j.created) ? 201 : 200 });
});
