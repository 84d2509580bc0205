// order-summary: the projection (keyed by order) = its evolve + its store.
import type { ProjectionDefinition } from '../../../backbone/projection';
import { ORDERS_TOPIC, type OrderEnvelope } from '../../orders/events';
import { evolveOrderSummary, orderSummaryHandles, type OrderSummaryRow } from './evolve';

export { evolveOrderSummary, orderSummaryHandles, summaryStatus, type OrderSummaryRow } from './evolve';
export { orderSummaryStore } from './store';

export const ORDER_SUMMARY = 'order-summary';

export const orderSummaryProjection: ProjectionDefinition<OrderSummaryRow, OrderEnvelope> = {
  name: ORDER_SUMMARY,
  topics: [ORDERS_TOPIC],
  handles: orderSummaryHandles,
  keyOf: (event) => event.subject,
  evolve: evolveOrderSummary,
};
