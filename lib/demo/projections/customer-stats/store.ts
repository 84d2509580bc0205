// The customer-stats read model's rows in PostgreSQL, in the table given (v1
// by default; a rebuild writes a new version).
import type { ProjectionStore } from '../../../backbone/projection';
import { sqlStore } from '../sql-store';
import type { CustomerStatsRow } from './evolve';

type Raw = { customer_id: string; orders_placed: number; orders_cancelled: number; revenue_cents: bigint; last_event_id: string; updated_at: Date };

export function customerStatsStore(table = 'customer_stats_v1'): ProjectionStore<CustomerStatsRow> {
  return sqlStore<CustomerStatsRow, Raw>(table, {
    select: (t) => `SELECT customer_id, orders_placed, orders_cancelled, revenue_cents, last_event_id::text, updated_at
                    FROM ${t} WHERE customer_id = ANY($1::text[]) FOR UPDATE`,
    fromRaw: (r) => [r.customer_id, {
      customerId: r.customer_id, ordersPlaced: r.orders_placed, ordersCancelled: r.orders_cancelled,
      revenueCents: BigInt(r.revenue_cents), lastEventId: r.last_event_id, updatedAt: r.updated_at,
    }],
    upsert: (t) => `INSERT INTO ${t} (customer_id, orders_placed, orders_cancelled, revenue_cents, last_event_id, updated_at)
       SELECT * FROM unnest($1::text[], $2::int[], $3::int[], $4::text[]::bigint[], $5::uuid[], $6::timestamptz[])
       ON CONFLICT (customer_id) DO UPDATE SET orders_placed = EXCLUDED.orders_placed, orders_cancelled = EXCLUDED.orders_cancelled,
         revenue_cents = EXCLUDED.revenue_cents, last_event_id = EXCLUDED.last_event_id, updated_at = EXCLUDED.updated_at`,
    columnNames: ['customer_id', 'orders_placed', 'orders_cancelled', 'revenue_cents', 'last_event_id', 'updated_at'],
    columns: (rows) => [
      rows.map((r) => r.customerId), rows.map((r) => r.ordersPlaced), rows.map((r) => r.ordersCancelled),
      rows.map((r) => r.revenueCents.toString()), rows.map((r) => r.lastEventId), rows.map((r) => r.updatedAt),
    ],
  });
}
