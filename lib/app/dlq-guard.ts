// Checks every DLQ action makes before it changes anything: the role from the
// action table (a refusal is audited), and the per-user throttle on destructive
// actions, counted from the audit log under a per-user advisory lock so two
// concurrent requests cannot both slip under the limit.
import type { Db, Prisma } from '../adapters/prisma/client';
import { mayPerform, roleFor, type Action } from '../domain/roles';
import type { SessionUser } from '../domain/session-user';
import { AppError } from '../errors';
import { recordAudit } from './record-audit';

export async function requireDlqRole(db: Db, actor: SessionUser, action: Action, target?: string): Promise<void> {
  if (mayPerform(actor.role, action)) return;
  await recordAudit(db, { actor, action, target, outcome: 'denied', details: { requiredRole: roleFor(action) } });
  throw new AppError('forbidden', `${action} needs the ${roleFor(action)} role; you are ${actor.role}.`);
}

const throttled = ['dlq.replay', 'dlq.discard', 'dlq.edit'];

/**
 * Inside the action's transaction: refuses when the user's DLQ changes in the last minute
 * plus the `actions` this request records (a replay over N consumers records N) would
 * be more than `perMinute`.
 */
export async function throttleDlq(tx: Prisma.TransactionClient, actor: SessionUser, perMinute: number, now: Date, actions = 1): Promise<void> {
  await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(hashtextextended('dlq-throttle:' || $1, 0))`, actor.email);
  const recent = await tx.auditEntry.count({
    where: { actorEmail: actor.email, action: { in: throttled }, outcome: 'ok', at: { gt: new Date(now.getTime() - 60_000) } },
  });
  if (recent + actions > perMinute) {
    const what = actions > 1 ? ` This request counts ${actions} (one per consumer); ${recent} in the last minute.` : '';
    throw new AppError('rate_limited', `At most ${perMinute} DLQ replays, discards and edits per minute per user; wait a minute.${what}`);
  }
}
