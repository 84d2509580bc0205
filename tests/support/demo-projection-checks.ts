// Invariant checks for the demo's two read models, reusable by every test.
import type { Db } from '@/lib/adapters/prisma/client';
import type { ProjectionDefinition } from '@/lib/backbone/projection';
import { customerStatsProjection } from '@/lib/demo/projections/customer-stats';
import { orderSummaryProjection } from '@/lib/demo/projections/order-summary';
import type { CustomerStatsRow, OrderSummaryRow } from '@/lib/demo/orders/projections';
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
  };
  return [summary, stats] as ProjectionCheck<unknown>[];
}
