// customer-stats: the projection (keyed by customer) = its evolve + its store.
import type { ProjectionDefinition } from '../../../backbone/projection';
import { ORDERS_TOPIC } from '../../orders/events';
import { customerStatsHandles, evolveCustomerStats, type CustomerStatsEvent, type CustomerStatsRow } from './evolve';

export { customerStatsHandles, evolveCustomerStats, type CustomerStatsEvent, type CustomerStatsRow } from './evolve';
export { customerStatsStore } from './store';

export const CUSTOMER_STATS = 'customer-stats';

export const customerStatsProjection: ProjectionDefinition<CustomerStatsRow, CustomerStatsEvent> = {
  name: CUSTOMER_STATS,
  topics: [ORDERS_TOPIC],
  handles: customerStatsHandles,
  keyOf: (event) => event.data.customerId,
  evolve: evolveCustomerStats,
};
