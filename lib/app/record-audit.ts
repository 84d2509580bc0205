import type { Db, Prisma } from '../adapters/prisma/client';
import type { SessionUser } from '../domain/session-user';

export type AuditOutcome = 'ok' | 'denied' | 'failed';

/** Appends one entry to the audit log. Callers pass a transaction to audit atomically with the change. */
export async function recordAudit(
  db: Db | Prisma.TransactionClient,
  entry: { actor: SessionUser; action: string; target?: string; outcome: AuditOutcome; details?: Record<string, unknown> },
): Promise<void> {
  await db.auditEntry.create({
    data: {
      actorId: entry.actor.id,
      actorEmail: entry.actor.email,
      actorRole: entry.actor.role,
      action: entry.action,
      target: entry.target ?? null,
      outcome: entry.outcome,
      details: (entry.details ?? {}) as Prisma.InputJsonValue,
    },
  });
}
