// UpdateDlqRateCap: an admin changes, while everything runs, the most messages per
// second a replay may use (at most REPLAY_RATE_MAX). New replays are checked against
// it and running replay jobs re-read it once a second (a lowered cap slows them
// down within a second). The setting and its audit record commit together.
import { z } from 'zod';
import type { Db } from '../adapters/prisma/client';
import { REPLAY_RATE_MAX } from '../domain/dlq/token-bucket';
import type { SessionUser } from '../domain/session-user';
import { AppError } from '../errors';
import { requireDlqRole } from './dlq-guard';
import { recordAudit } from './record-audit';

export const rateCapRequestSchema = z.object({
  rateCap: z.number().int().min(1).max(REPLAY_RATE_MAX),
});

export async function updateDlqRateCap(deps: { db: Db; now: () => Date; envCap: number }, actor: SessionUser, input: z.input<typeof rateCapRequestSchema>) {
  const parsed = rateCapRequestSchema.safeParse(input);
  if (!parsed.success) throw new AppError('bad_request', `invalid rate cap: ${parsed.error.issues.map((i) => i.message).join('; ')} (1 to ${REPLAY_RATE_MAX} messages per second)`);
  const { rateCap } = parsed.data;
  await requireDlqRole(deps.db, actor, 'dlq.rate.update');
  return deps.db.$transaction(async (tx) => {
    const [before] = await tx.$queryRawUnsafe<{ rate_cap: number }[]>('SELECT rate_cap FROM dlq_settings WHERE id = 1 FOR UPDATE');
    const from = before?.rate_cap ?? deps.envCap;
    await tx.dlqSetting.upsert({
      where: { id: 1 },
      create: { id: 1, rateCap, updatedBy: actor.email, updatedAt: deps.now() },
      update: { rateCap, updatedBy: actor.email, updatedAt: deps.now() },
    });
    await recordAudit(tx, { actor, action: 'dlq.rate.update', target: 'dlq.rateCap', outcome: 'ok', details: { from, to: rateCap } });
    return { rateCap, previous: from, updatedBy: actor.email };
  });
}
