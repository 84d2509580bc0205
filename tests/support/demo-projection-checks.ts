// Invariant checks for the demo's two read models, reusable by every test.
import type { Db } from '@/lib/adapters/prisma/client';
import type { ProjectionDefinition } from '@/lib/backbone/projection';
import { customerStatsProjection, type CustomerStatsRow } from '@/lib/demo/projections/customer-stats';
import { orderSummaryProjection, type OrderSummaryRow } from '@/lib/demo/projections/order-summary';
import type { ProjectionCheck } from './invariants';

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function demoProjectionChecks(topics: readonly string[], tables = { orderSummary: 'order_summary_v1', customerStats: 'customer_stats_v1' }): ProjectionCheck<unknown>[] {
  const summary: ProjectionCheck<OrderSummaryRow> = {
    definition: { ...orderSummaryProjection, topics } as ProjectionDefinition<OrderSummaryRow>,
    async readRows(db: Db) {
      const rows = await db.$queryRawUnsafe<Array<Record<string, unknown>>>(`SELECT order_id::text AS "orderId", customer_id AS "customerId", status, amount_cents AS "amountCents", currency,
        placed_at AS "placedAt", paid_at AS "paidAt", payment_failed_at AS "paymentFailedAt", dispatched_at AS "dispatchedAt",
        delivered_at AS "deliveredAt", cancelled_at AS "cancelledAt", last_event_id::text AS "lastEventId", updated_at AS "updatedAt" FROM "${tables.orderSummary}"`);
      return new Map(rows.map((r) => [r.orderId as string, r as unknown as OrderSummaryRow]));
    },
    normalise: (r) => ({
      customerId: r.customerId, status: r.status, amountCents: r.amountCents, currency: r.currency,
      placedAt: iso(r.placedAt), paidAt: iso(r.paidAt), paymentFailedAt: iso(r.paymentFailedAt),
      dispatchedAt: iso(r.dispatchedAt), deliveredAt: iso(r.deliveredAt), cancelledAt: iso(r.cancelledAt),
    }),
  };
  const stats: ProjectionCheck<CustomerStatsRow> = {
    definition: { ...customerStatsProjection, topics } as ProjectionDefinition<CustomerStatsRow>,
    async readRows(db: Db) {
      const rows = await db.$queryRawUnsafe<Array<Record<string, unknown>>>(`SELECT customer_id AS "customerId", orders_placed AS "ordersPlaced",
        orders_cancelled AS "ordersCancelled", revenue_cents AS "revenueCents" FROM "${tables.customerStats}"`);
      return new Map(rows.map((r) => [r.customerId as string, r as unknown as CustomerStatsRow]));
    },
    normalise: (r) => ({ ordersPlaced: r.ordersPlaced, ordersCancelled: r.ordersCancelled, revenueCents: String(r.revenueCents) }),
    independent: (db: Db) => customerStatsDrift(db, topics, tables.customerStats),
  };
  return [summary, stats] as ProjectionCheck<unknown>[];
}

export interface CustomerFigures {
  ordersPlaced: number;
  ordersCancelled: number;
  revenueCents: string;
}

/**
 * customer_stats recomputed by plain SQL over the outbox, sharing no code with the
 * projection (no evolve, no decoder): a bug in evolve or in the runtime cannot hide
 * behind a reference that was computed by the same code.
 */
export async function customerStatsFromOutbox(db: Db, topics: readonly string[]): Promise<Map<string, CustomerFigures>> {
  const rows = await db.$queryRaw<Array<{ customer_id: string; placed: number; cancelled: number; revenue: string }>>`
    SELECT envelope->'data'->>'customerId' AS customer_id,
           (count(*) FILTER (WHERE type = 'orders.OrderPlaced'))::int AS placed,
           (count(*) FILTER (WHERE type = 'orders.OrderCancelled'))::int AS cancelled,
           coalesce(sum((envelope->'data'->>'amountCents')::bigint) FILTER (WHERE type = 'payments.PaymentAuthorized'), 0)::text AS revenue
    FROM outbox_events
    WHERE topic = ANY(${[...topics]}::text[])
      AND type IN ('orders.OrderPlaced', 'orders.OrderCancelled', 'payments.PaymentAuthorized')
    GROUP BY 1`;
  return new Map(rows.map((r) => [r.customer_id, { ordersPlaced: r.placed, ordersCancelled: r.cancelled, revenueCents: r.revenue }]));
}

/** Differences between a customer_stats table and customerStatsFromOutbox, one line per customer. */
export async function customerStatsDrift(db: Db, topics: readonly string[], table = 'customer_stats_v1'): Promise<string[]> {
  const expected = await customerStatsFromOutbox(db, topics);
  const rows = await db.$queryRawUnsafe<Array<{ customer_id: string; orders_placed: number; orders_cancelled: number; revenue: string }>>(
    `SELECT customer_id, orders_placed, orders_cancelled, revenue_cents::text AS revenue FROM "${table}"`,
  );
  const actual = new Map(rows.map((r) => [r.customer_id, { ordersPlaced: r.orders_placed, ordersCancelled: r.orders_cancelled, revenueCents: r.revenue }]));
  const problems: string[] = [];
  for (const [customer, want] of expected) {
    const got = actual.get(customer);
    if (!got) problems.push(`${table}: customer ${customer} is missing (outbox: ${JSON.stringify(want)})`);
    else if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`${table}: customer ${customer} is ${JSON.stringify(got)}, outbox says ${JSON.stringify(want)}`);
  }
  for (const customer of actual.keys()) if (!expected.has(customer)) problems.push(`${table}: customer ${customer} has no events in the outbox`);
  return problems;
}
