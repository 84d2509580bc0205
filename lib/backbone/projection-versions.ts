// Versioned projections: the live consumer asks the registry, inside each
// batch's transaction, which version is active — its table and its checkpoint
// name — so a swap (which updates the registry row) takes effect at the next
// batch without a restart. The registry row is read FOR SHARE: a swap's UPDATE
// waits for the batches in flight and the batches after it see the new version,
// so no batch commits into a table that stopped being active under it.
import type { BatchItem, ConsumerDefinition } from './consumer-definition';
import type { SqlTx } from './ports';
import { applyProjectionBatch, projectionConsumerOf, type ProjectionDefinition, type ProjectionStore } from './projection';
import type { EventEnvelope } from '../domain/events/envelope';

export interface ActiveVersion {
  projection: string;
  version: number;
  table: string;
  checkpointName: string;
}

export interface ProjectionVersionsPort<Tx extends SqlTx = SqlTx> {
  /** The active version, its registry row locked FOR SHARE until the transaction ends. */
  active(tx: Tx, projection: string): Promise<ActiveVersion>;
  /** Checkpoint offsets of `checkpointName` per `topic\u0000partition`. */
  offsets(tx: Tx, checkpointName: string, topics: readonly string[]): Promise<Map<string, bigint>>;
}

export const partitionKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/**
 * Drops what the active version already has: a rebuilt version caught up from the
 * log can be ahead of the Kafka group that feeds it after a swap. Pure.
 */
export function unseenItems<E extends EventEnvelope>(items: readonly BatchItem<E>[], offsets: Map<string, bigint>): BatchItem<E>[] {
  return items.filter(({ message }) => {
    const applied = offsets.get(partitionKey(message.topic, message.partition));
    return applied === undefined || BigInt(message.offset) > applied;
  });
}

export function versionedProjectionConsumer<Row, E extends EventEnvelope, Tx extends SqlTx>(
  definition: ProjectionDefinition<Row, E>,
  storeFor: (table: string) => ProjectionStore<Row, Tx>,
  versions: ProjectionVersionsPort<Tx>,
): ConsumerDefinition<Tx, E> {
  const stores = new Map<string, ProjectionStore<Row, Tx>>();
  async function handleBatch(items: readonly BatchItem<E>[], ctx: { tx: Tx }) {
    if (items.length === 0) return;
    const active = await versions.active(ctx.tx, definition.name);
    const offsets = await versions.offsets(ctx.tx, active.checkpointName, [...new Set(items.map((i) => i.message.topic))]);
    const store = stores.get(active.table) ?? storeFor(active.table);
    stores.set(active.table, store);
    await applyProjectionBatch(definition, store, active.checkpointName, unseenItems(items, offsets), ctx.tx);
  }
  return projectionConsumerOf(definition, handleBatch);
}
