// Sequenced dead-lettering (docs/dlq.md): how many events are parked behind the rows
// a replay selects (they are sent right after their head). Parked rows are few (only
// sequenced consumers park), so: the heads that have followers, those of them in the
// selection, then their followers; no join of the selection with the whole table.
import type { Db, Prisma } from './client';

export async function parkedBehindCount(db: Db, selected: Prisma.DlqMessageWhereInput): Promise<number> {
  const heads = await db.$queryRawUnsafe<{ id: string }[]>(
    `SELECT DISTINCT parked_behind::text AS id FROM dlq_messages WHERE status = 'parked' AND parked_behind IS NOT NULL`);
  if (heads.length === 0) return 0;
  const inSelection = await db.dlqMessage.findMany({ where: { AND: [selected, { id: { in: heads.map((h) => h.id) } }] }, select: { id: true } });
  if (inSelection.length === 0) return 0;
  return db.dlqMessage.count({ where: { status: 'parked', parkedBehind: { in: inSelection.map((s) => s.id) } } });
}
