// The customer-stats read model's rows in PostgreSQL: load (locked for update) and
// upsert, in the table given (v1 by default; a rebuild writes a new version).
import { sqlCheckpoints } from '../../../adapters/prisma/checkpoint-store';
import type { ProjectionStore } from '../../../backbone/projection';
import { checkedTableName } from '../table-name';
import type { CustomerStatsRow } from './evolve';

type Raw = { customer_id: string; orders_placed: number; orders_cancelled: number; revenue_cents: bigint; last_event_id: string; updated_at: Date };

export function customerStatsStore(table = 'customer_stats_v1'): ProjectionStore<CustomerStatsRow> {
  const t = checkedTableName(table);
  return {
    table,
    checkpoints: sqlCheckpoints,
    async load(tx, keys) {
      const rows = await tx.$queryRawUnsafe<Raw[]>(
        `SELECT customer_id, orders_placed, orders_cancelled, revenue_cents, last_event_id::text, updated_at
         FROM ${t} WHERE customer_id = ANY($1::text[]) FOR UPDATE`,
        keys,
      );
      return new Map(rows.map((r) => [r.customer_id, {
        customerId: r.customer_id, ordersPlaced: r.orders_placed, ordersCancelled: r.orders_cancelled,
        revenueCents: BigInt(r.revenue_cents), lastEventId: r.last_event_id, updatedAt: r.updated_at,
      }]));
    },
    async save(tx, rows) {
      if (rows.length === 0) return;
      await tx.$executeRawUnsafe(
        `INSERT INTO ${t} (customer_id, orders_placed, orders_cancelled, revenue_cents, last_event_id, updated_at)
         SELECT * FROM unnest($1::text[], $2::int[], $3::int[], $4::text[]::bigint[], $5::uuid[], $6::timestamptz[])
         ON CONFLICT (customer_id) DO UPDATE SET orders_placed = EXCLUDED.orders_placed, orders_cancelled = EXCLUDED.orders_cancelled,
           revenue_cents = EXCLUDED.revenue_cents, last_event_id = EXCLUDED.last_event_id, updated_at = EXCLUDED.updated_at`,
        rows.map((r) => r.customerId), rows.map((r) => r.ordersPlaced), rows.map((r) => r.ordersCancelled),
        rows.map((r) => r.revenueCents.toString()), rows.map((r) => r.lastEventId), rows.map((r) => r.updatedAt),
      );
    },
  };
}
