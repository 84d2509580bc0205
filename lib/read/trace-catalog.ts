// What the trace timeline knows about the consumers it draws: the demo's consumers
// and projections, each with the event types it handles (so "skipped" is exact)
// and, for a projection, its key function and default table (the active one comes
// from projection_registry at read time).
import { demoConsumers } from '../demo/consumers';
import { customerStatsProjection, customerStatsStore } from '../demo/projections/customer-stats';
import { orderSummaryProjection, orderSummaryStore } from '../demo/projections/order-summary';
import type { EventEnvelope } from '../domain/events/envelope';
import type { ConsumerSpec } from '../domain/trace/flow-types';
import { isReplayTopic } from '../backbone/consumer-definition';

export interface TraceCatalog {
  consumers: ConsumerSpec[];
  /** Kafka consumer group of a consumer (lag samples are per group). */
  groupOf(consumer: string): string;
  isReplayTopic(topic: string): boolean;
}

function projectionSpec<E extends EventEnvelope>(definition: { name: string; handles: readonly string[]; keyOf(event: E): string }, table: string): ConsumerSpec {
  // The envelope comes from outbox_events as written; keyOf reads only fields it checked when the event was decoded.
  return { name: definition.name, handles: definition.handles, projection: { table, keyOf: (envelope) => definition.keyOf(envelope as E) } };
}

/** A catalog over the given consumers and projections (each projection with the table its store writes). */
export function traceCatalog(options: {
  consumers: ReadonlyArray<{ name: string; handles: readonly string[] }>;
  projections: ReadonlyArray<{ definition: { name: string; handles: readonly string[]; keyOf(event: never): string }; table: string }>;
  groupPrefix: string;
}): TraceCatalog {
  const consumers: ConsumerSpec[] = [
    ...options.consumers.map((c) => ({ name: c.name, handles: c.handles })),
    ...options.projections.map((p) => projectionSpec(p.definition as { name: string; handles: readonly string[]; keyOf(event: EventEnvelope): string }, p.table)),
  ];
  return { consumers, groupOf: (consumer) => `${options.groupPrefix}.${consumer}`, isReplayTopic };
}

export function demoTraceCatalog(groupPrefix = 'signalbox'): TraceCatalog {
  return traceCatalog({
    consumers: demoConsumers(),
    projections: [
      { definition: orderSummaryProjection, table: orderSummaryStore().table },
      { definition: customerStatsProjection, table: customerStatsStore().table },
    ],
    groupPrefix,
  });
}
