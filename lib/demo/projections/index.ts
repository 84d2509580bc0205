// The demo's read-model projections, one folder each (evolve + store).
import { projectionConsumer } from '../../backbone/projection';
import type { ConsumerDefinition } from '../../backbone/consumer-definition';
import type { SqlTx } from '../../backbone/ports';
import { versionedProjectionConsumer, type ProjectionVersionsPort } from '../../backbone/projection-versions';
import { customerStatsProjection, customerStatsStore } from './customer-stats';
import { orderSummaryProjection, orderSummaryStore } from './order-summary';

/** The demo's projections as consumers, writing to the given (or the default v1) tables. */
export function demoProjections(tables: { orderSummary?: string; customerStats?: string } = {}): ConsumerDefinition<SqlTx>[] {
  return [
    projectionConsumer(orderSummaryProjection, orderSummaryStore(tables.orderSummary)),
    projectionConsumer(customerStatsProjection, customerStatsStore(tables.customerStats)),
  ];
}

/**
 * The demo's projections as the workers run them: each batch writes to the version
 * the registry names active at that moment (a swap needs no restart).
 */
export function registeredDemoProjections(versions: ProjectionVersionsPort<SqlTx>): ConsumerDefinition<SqlTx>[] {
  return [
    versionedProjectionConsumer(orderSummaryProjection, orderSummaryStore, versions),
    versionedProjectionConsumer(customerStatsProjection, customerStatsStore, versions),
  ] as ConsumerDefinition<SqlTx>[];
}
