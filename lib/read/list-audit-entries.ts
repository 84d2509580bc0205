import { z } from 'zod';
import type { Db } from '../adapters/prisma/client';

export const auditFilterSchema = z.object({
  action: z.string().trim().max(100).optional(),
  actor: z.string().trim().max(254).optional(),
  outcome: z.enum(['ok', 'denied', 'failed']).optional(),
  /** Exact target, e.g. a job id: that job's start, pause, resume and cancel records. */
  target: z.string().trim().max(200).optional(),
  before: z.coerce.bigint().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type AuditFilter = z.infer<typeof auditFilterSchema>;

/** Newest first; `before` is the id of the last row seen (keyset paging). */
export async function listAuditEntries(db: Db, filter: AuditFilter) {
  const rows = await db.auditEntry.findMany({
    where: {
      ...(filter.action ? { action: { startsWith: filter.action } } : {}),
      ...(filter.actor ? { actorEmail: { contains: filter.actor, mode: 'insensitive' as const } } : {}),
      ...(filter.outcome ? { outcome: filter.outcome } : {}),
      ...(filter.target ? { target: filter.target } : {}),
      ...(filter.before ? { id: { lt: filter.before } } : {}),
    },
    orderBy: { id: 'desc' },
    take: filter.limit,
  });
  return rows.map((r) => ({ ...r, id: r.id.toString() }));
}
export type AuditRow = Awaited<ReturnType<typeof listAuditEntries>>[number];
