// The order-summary read model's rows in PostgreSQL: load (locked for update) and
// upsert, in the table given (v1 by default; a rebuild writes a new version).
import { sqlCheckpoints } from '../../../adapters/prisma/checkpoint-store';
import type { ProjectionStore } from '../../../backbone/projection';
import { checkedTableName } from '../table-name';
import type { OrderSummaryRow } from './evolve';

type Raw = {
  order_id: string; customer_id: string; status: string; amount_cents: number; currency: string;
  placed_at: Date | null; paid_at: Date | null; payment_failed_at: Date | null; dispatched_at: Date | null;
  delivered_at: Date | null; cancelled_at: Date | null; last_event_id: string; updated_at: Date;
};

export function orderSummaryStore(table = 'order_summary_v1'): ProjectionStore<OrderSummaryRow> {
  const t = checkedTableName(table);
  return {
    table,
    checkpoints: sqlCheckpoints,
    async load(tx, keys) {
      const rows = await tx.$queryRawUnsafe<Raw[]>(
        `SELECT order_id::text, customer_id, status, amount_cents, currency, placed_at, paid_at, payment_failed_at, dispatched_at,
                delivered_at, cancelled_at, last_event_id::text, updated_at
         FROM ${t} WHERE order_id = ANY($1::uuid[]) FOR UPDATE`,
        keys,
      );
      return new Map(rows.map((r) => [r.order_id, {
        orderId: r.order_id, customerId: r.customer_id, status: r.status, amountCents: r.amount_cents, currency: r.currency,
        placedAt: r.placed_at, paidAt: r.paid_at, paymentFailedAt: r.payment_failed_at, dispatchedAt: r.dispatched_at,
        deliveredAt: r.delivered_at, cancelledAt: r.cancelled_at, lastEventId: r.last_event_id, updatedAt: r.updated_at,
      }]));
    },
    async save(tx, rows) {
      if (rows.length === 0) return;
      const col = <K extends keyof OrderSummaryRow>(k: K) => rows.map((r) => r[k]);
      await tx.$executeRawUnsafe(
        `INSERT INTO ${t} (order_id, customer_id, status, amount_cents, currency, placed_at, paid_at, payment_failed_at,
                           dispatched_at, delivered_at, cancelled_at, last_event_id, updated_at)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::text[], $6::timestamptz[], $7::timestamptz[],
                              $8::timestamptz[], $9::timestamptz[], $10::timestamptz[], $11::timestamptz[], $12::uuid[], $13::timestamptz[])
         ON CONFLICT (order_id) DO UPDATE SET customer_id = EXCLUDED.customer_id, status = EXCLUDED.status,
           amount_cents = EXCLUDED.amount_cents, currency = EXCLUDED.currency, placed_at = EXCLUDED.placed_at,
           paid_at = EXCLUDED.paid_at, payment_failed_at = EXCLUDED.payment_failed_at, dispatched_at = EXCLUDED.dispatched_at,
           delivered_at = EXCLUDED.delivered_at, cancelled_at = EXCLUDED.cancelled_at, last_event_id = EXCLUDED.last_event_id,
           updated_at = EXCLUDED.updated_at`,
        col('orderId'), col('customerId'), col('status'), col('amountCents'), col('currency'), col('placedAt'), col('paidAt'),
        col('paymentFailedAt'), col('dispatchedAt'), col('deliveredAt'), col('cancelledAt'), col('lastEventId'), col('updatedAt'),
      );
    },
  };
}
