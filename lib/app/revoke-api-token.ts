import type { Db } from '../adapters/prisma/client';
import { hasRole, isRole, roleFor } from '../domain/roles';
import { AppError } from '../errors';
import { isUuid } from '../domain/uuid';
import { recordAudit, type AuditActor } from './record-audit';

const ACTION = 'tokens.revoke';

/**
 * Revokes an API token at once (the next request with it gets 401). Revoking twice is a
 * no-op that reports the first revocation. The change and its audit entry commit together.
 */
export async function revokeApiToken(db: Db, actor: AuditActor & { role: string }, id: string, now: Date) {
  if (actor.role !== 'system' && !(isRole(actor.role) && hasRole(actor.role, roleFor(ACTION)))) {
    await recordAudit(db, { actor, action: ACTION, target: id, outcome: 'denied' });
    throw new AppError('forbidden', `Revoking API tokens needs the ${roleFor(ACTION)} role.`);
  }
  if (!isUuid(id)) throw new AppError('not_found', `No API token ${id}.`);
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<Array<{ id: string; name: string; revoked_at: Date | null }>>`
      SELECT id::text, name, revoked_at FROM api_tokens WHERE id = ${id}::uuid FOR UPDATE`;
    const row = rows[0];
    if (!row) throw new AppError('not_found', `No API token ${id}.`);
    if (row.revoked_at) return { id, name: row.name, revokedAt: row.revoked_at.toISOString(), alreadyRevoked: true };
    await tx.apiToken.update({ where: { id }, data: { revokedAt: now, revokedBy: actor.email } });
    await recordAudit(tx, { actor, action: ACTION, target: id, outcome: 'ok', details: { name: row.name } });
    return { id, name: row.name, revokedAt: now.toISOString(), alreadyRevoked: false };
  });
}
