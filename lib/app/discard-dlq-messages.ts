// DiscardDlqMessages: an operator gives up on open dead letters, with a reason.
// Status change (the cause counts follow through the trigger) and audit record in
// one transaction, under the per-user throttle.
import { z } from 'zod';
import type { Db } from '../adapters/prisma/client';
import type { SessionUser } from '../domain/session-user';
import { AppError } from '../errors';
import { requireDlqRole, throttleDlq } from './dlq-guard';
import { recordAudit } from './record-audit';

export const discardRequestSchema = z.object({
  ids: z.array(z.uuid()).min(1).max(1_000),
  reason: z.string().trim().min(3, 'say why (at least 3 characters)').max(1_000),
});
export type DiscardRequest = z.infer<typeof discardRequestSchema>;

export async function discardDlqMessages(deps: { db: Db; actionsPerMinute: number; now: () => Date }, actor: SessionUser, input: DiscardRequest) {
  const parsed = discardRequestSchema.safeParse(input);
  if (!parsed.success) throw new AppError('bad_request', `invalid discard: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const { ids, reason } = parsed.data;
  await requireDlqRole(deps.db, actor, 'dlq.discard', ids.length === 1 ? ids[0] : undefined);
  return deps.db.$transaction(async (tx) => {
    await throttleDlq(tx, actor, deps.actionsPerMinute, deps.now());
    const changed = await tx.dlqMessage.updateMany({ where: { id: { in: ids }, status: 'open' }, data: { status: 'discarded', statusChangedAt: deps.now() } });
    if (changed.count === 0) throw new AppError('conflict', 'Nothing discarded: none of these messages is open (resolved, discarded or being replayed).');
    await recordAudit(tx, {
      actor, action: 'dlq.discard', target: ids.length === 1 ? ids[0] : `${ids.length} messages`, outcome: 'ok',
      details: { ids: ids.slice(0, 100), requested: ids.length, discarded: changed.count, reason },
    });
    return { discarded: changed.count, requested: ids.length };
  });
}
