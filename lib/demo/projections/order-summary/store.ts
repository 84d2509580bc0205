// The order-summary read model's rows in PostgreSQL, in the table given (v1
// by default; a rebuild writes a new version).
import type { ProjectionStore } from '../../../backbone/projection';
import { sqlStore } from '../sql-store';
import type { OrderSummaryRow } from './evolve';

type Raw = {
  order_id: string; customer_id: string; status: string; amount_cents: number; currency: string;
  placed_at: Date | null; paid_at: Date | null; payment_failed_at: Date | null; dispatched_at: Date | null;
  delivered_at: Date | null; cancelled_at: Date | null; last_event_id: string; updated_at: Date;
};

const COLUMNS: readonly (keyof OrderSummaryRow)[] = [
  'orderId', 'customerId', 'status', 'amountCents', 'currency', 'placedAt', 'paidAt',
  'paymentFailedAt', 'dispatchedAt', 'deliveredAt', 'cancelledAt', 'lastEventId', 'updatedAt',
];

export function orderSummaryStore(table = 'order_summary_v1'): ProjectionStore<OrderSummaryRow> {
  return sqlStore<OrderSummaryRow, Raw>(table, {
    select: (t) => `SELECT order_id::text, customer_id, status, amount_cents, currency, placed_at, paid_at, payment_failed_at, dispatched_at,
                           delivered_at, cancelled_at, last_event_id::text, updated_at
                    FROM ${t} WHERE order_id = ANY($1::uuid[]) FOR UPDATE`,
    fromRaw: (r) => [r.order_id, {
      orderId: r.order_id, customerId: r.customer_id, status: r.status, amountCents: r.amount_cents, currency: r.currency,
      placedAt: r.placed_at, paidAt: r.paid_at, paymentFailedAt: r.payment_failed_at, dispatchedAt: r.dispatched_at,
      deliveredAt: r.delivered_at, cancelledAt: r.cancelled_at, lastEventId: r.last_event_id, updatedAt: r.updated_at,
    }],
    upsert: (t) => `INSERT INTO ${t} (order_id, customer_id, status, amount_cents, currency, placed_at, paid_at, payment_failed_at,
                                     dispatched_at, delivered_at, cancelled_at, last_event_id, updated_at)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::text[], $6::timestamptz[], $7::timestamptz[],
                            $8::timestamptz[], $9::timestamptz[], $10::timestamptz[], $11::timestamptz[], $12::uuid[], $13::timestamptz[])
       ON CONFLICT (order_id) DO UPDATE SET customer_id = EXCLUDED.customer_id, status = EXCLUDED.status,
         amount_cents = EXCLUDED.amount_cents, currency = EXCLUDED.currency, placed_at = EXCLUDED.placed_at,
         paid_at = EXCLUDED.paid_at, payment_failed_at = EXCLUDED.payment_failed_at, dispatched_at = EXCLUDED.dispatched_at,
         delivered_at = EXCLUDED.delivered_at, cancelled_at = EXCLUDED.cancelled_at, last_event_id = EXCLUDED.last_event_id,
         updated_at = EXCLUDED.updated_at`,
    columnNames: ['order_id', 'customer_id', 'status', 'amount_cents', 'currency', 'placed_at', 'paid_at', 'payment_failed_at',
                  'dispatched_at', 'delivered_at', 'cancelled_at', 'last_event_id', 'updated_at'],
    columns: (rows) => COLUMNS.map((k) => rows.map((r) => r[k])),
  });
}
