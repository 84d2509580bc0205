// What a drift check compares for each demo projection. Compared columns are the
// ones the log determines whatever the order partitions were processed in:
// last_event_id (and, for customer_stats, which partition's event came last) is
// left out, as the invariant checker does (tests/support/demo-projection-checks.ts).
import type { DriftSpec } from '../../backbone/projection-drift';
import { CUSTOMER_STATS, customerStatsProjection, customerStatsStore } from './customer-stats';
import { ORDER_SUMMARY, orderSummaryProjection, orderSummaryStore } from './order-summary';

export const demoDriftSpecs: Record<string, DriftSpec<unknown>> = {
  [CUSTOMER_STATS]: {
    definition: customerStatsProjection,
    storeFor: customerStatsStore,
    keyColumn: 'customer_id',
    compareColumns: ['orders_placed', 'orders_cancelled', 'revenue_cents'],
    eventKeySql: `e.envelope->'data'->>'customerId'`,
  } as DriftSpec<unknown>,
  [ORDER_SUMMARY]: {
    definition: orderSummaryProjection,
    storeFor: orderSummaryStore,
    keyColumn: 'order_id',
    compareColumns: ['customer_id', 'status', 'amount_cents', 'currency', 'placed_at', 'paid_at', 'payment_failed_at', 'dispatched_at', 'delivered_at', 'cancelled_at'],
    eventKeySql: 'e.subject',
  } as DriftSpec<unknown>,
};

export const demoProjectionNames = Object.keys(demoDriftSpecs);
