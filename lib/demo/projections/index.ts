// The demo's read-model projections, one folder each (evolve + store).
import { projectionConsumer } from '../../backbone/projection';
import type { ConsumerDefinition } from '../../backbone/consumer-definition';
import type { SqlTx } from '../../backbone/ports';
import { customerStatsProjection, customerStatsStore } from './customer-stats';
import { orderSummaryProjection, orderSummaryStore } from './order-summary';

/** The demo's projections as consumers, writing to the given (or the default v1) tables. */
export function demoProjections(tables: { orderSummary?: string; customerStats?: string } = {}): ConsumerDefinition<SqlTx>[] {
  return [
    projectionConsumer(orderSummaryProjection, orderSummaryStore(tables.orderSummary)),
    projectionConsumer(customerStatsProjection, customerStatsStore(tables.customerStats)),
  ];
}
