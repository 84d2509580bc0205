import type { Db, Prisma } from './client';
import type { SessionUser } from '../../domain/session-user';

export type AuditOutcome = 'ok' | 'denied' | 'failed';

/** Who acted: a console user, or a command-line tool run on the server (no user id). */
export type AuditActor = Pick<SessionUser, 'email'> & { id: string | null; role: string };

/** The actor of changes made from a command-line tool, e.g. `npm run user:create`. */
export function cliActor(tool: string): AuditActor {
  return { id: null, email: `cli:${tool}`, role: 'system' };
}

/**
 * Appends one entry to the audit log (append-only in the database: a trigger
 * refuses UPDATE, DELETE and TRUNCATE). A change passes its transaction client, so
 * the entry commits or rolls back with the change it records; only records of
 * refused or failed attempts, where nothing changed, are written on their own.
 */
export async function recordAudit(
  db: Db | Prisma.TransactionClient,
  entry: { actor: AuditActor; action: string; target?: string; outcome: AuditOutcome; details?: Record<string, unknown> },
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
