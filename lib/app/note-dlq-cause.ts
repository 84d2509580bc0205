// NoteDlqCause: an operator's note on a failure group ("known: carrier API down, fix
// in #123"), shown with the group; audited with the change.
import type { Db } from '../adapters/prisma/client';
import { isCauseKey } from '../domain/dlq/cause';
import type { SessionUser } from '../domain/session-user';
import { AppError } from '../errors';
import { requireDlqRole } from './dlq-guard';
import { recordAudit } from './record-audit';

export async function noteDlqCause(deps: { db: Db; now: () => Date }, actor: SessionUser, input: { cause: string; note: string }) {
  if (!isCauseKey(input.cause)) throw new AppError('bad_request', 'cause must be a 24-character cause key');
  const note = input.note.trim().slice(0, 2_000) || null;
  await requireDlqRole(deps.db, actor, 'dlq.note', input.cause);
  return deps.db.$transaction(async (tx) => {
    const changed = await tx.dlqCause.updateMany({ where: { causeKey: input.cause }, data: { note, noteBy: note ? actor.email : null, noteAt: note ? deps.now() : null } });
    if (changed.count === 0) throw new AppError('not_found', `No cause ${input.cause}.`);
    await recordAudit(tx, { actor, action: 'dlq.note', target: input.cause, outcome: 'ok', details: { note } });
    return { cause: input.cause, note };
  });
}
