// Demo knob: corrupts a projection's active table behind its back — N rows edited
// (counters bumped), and as many again split between deleted rows and made-up
// rows — so a drift check finds missing, extra and different rows and repair or
// rebuild has something to fix. Audited in the same transaction.
import { z } from 'zod';
import type { Db } from '../adapters/prisma/client';
import { activeVersion } from '../adapters/prisma/projection-registry';
import { checkedTableName } from '../backbone/projection-table';
import { CUSTOMER_STATS } from '../demo/projections/customer-stats';
import { AppError } from '../errors';
import { recordAudit, type AuditActor } from './record-audit';

export const corruptProjectionSchema = z.object({ rows: z.number().int().min(1).max(10_000).default(10) });

export async function corruptProjection(db: Db, actor: AuditActor, projection: string, input: z.infer<typeof corruptProjectionSchema>) {
  if (projection !== CUSTOMER_STATS) throw new AppError('bad_request', `only ${CUSTOMER_STATS} has a corruption knob`);
  return db.$transaction(async (tx) => {
    const active = await activeVersion(tx, projection);
    const t = checkedTableName(active.table);
    const changed = await tx.$executeRawUnsafe(
      `UPDATE ${t} SET orders_placed = orders_placed + 1, revenue_cents = revenue_cents + 100
       WHERE customer_id IN (SELECT customer_id FROM ${t} ORDER BY random() LIMIT $1)`, input.rows,
    );
    const deleted = await tx.$executeRawUnsafe(
      `DELETE FROM ${t} WHERE customer_id IN (SELECT customer_id FROM ${t} ORDER BY random() LIMIT $1)`, Math.ceil(input.rows / 2),
    );
    const added = await tx.$executeRawUnsafe(
      `INSERT INTO ${t} (customer_id, orders_placed, orders_cancelled, revenue_cents, last_event_id, updated_at)
       SELECT 'ghost-' || substr(md5(random()::text), 1, 10), 1, 0, 999, gen_random_uuid(), now() FROM generate_series(1, $1)`, Math.floor(input.rows / 2),
    );
    const result = { projection, table: active.table, changed, deleted, added };
    await recordAudit(tx, { actor, action: 'demo.projection.corrupt', target: projection, outcome: 'ok', details: result });
    return result;
  });
}
