// A projection is a named consumer whose effect is a pure evolve over
// read-model rows, plus a checkpoint written in the same transaction. The
// store says which physical table holds the rows (and where its checkpoints
// go), so a rebuild can evolve the same events into a new, versioned table.
// `E` is the union of events the projection handles: evolve gets typed data.
import type { EventEnvelope } from '../domain/events/envelope';
import { checkpointsOf } from './checkpoints';
import type { BatchItem, ConsumerDefinition, RetryPolicy } from './consumer-definition';
import type { CheckpointStore, SqlTx } from './ports';

export interface ProjectionStore<Row, Tx extends SqlTx = SqlTx> {
  /** The physical table, e.g. order_summary_v1. */
  readonly table: string;
  /** Where this store's checkpoints are written: the same database, the same transaction. */
  readonly checkpoints: CheckpointStore<Tx>;
  load(tx: Tx, keys: readonly string[]): Promise<Map<string, Row>>;
  save(tx: Tx, rows: readonly Row[]): Promise<void>;
  /**
   * The row encoding for bulk loads (COPY into a table of this shape: the drift
   * check's recomputation), declared so no caller parses the store's SQL: the
   * table's columns, and rows as one array per column in that order.
   */
  readonly columns?: readonly string[];
  toColumns?(rows: readonly Row[]): unknown[][];
}

export interface ProjectionDefinition<Row, E extends EventEnvelope = EventEnvelope> {
  name: string;
  topics: readonly string[];
  handles: readonly E['type'][];
  keyOf(event: E): string;
  /** Pure: the row after the event, or the same row when the event changes nothing. */
  evolve(row: Row | null, event: E): Row | null;
  retry?: RetryPolicy;
}

/** Applies events to rows in memory, in order; returns only the rows that changed. Pure. */
export function evolveRows<Row, E extends EventEnvelope>(
  definition: Pick<ProjectionDefinition<Row, E>, 'keyOf' | 'evolve' | 'handles'>,
  current: Map<string, Row>,
  events: readonly EventEnvelope[],
): Map<string, Row> {
  const changed = new Map<string, Row>();
  const handled = new Set<string>(definition.handles);
  // Decoding checked each event against its type's schema, so the type names its shape.
  const isHandled = (event: EventEnvelope): event is E => handled.has(event.type);
  for (const event of events) {
    if (!isHandled(event)) continue;
    const key = definition.keyOf(event);
    const before = changed.get(key) ?? current.get(key) ?? null;
    const after = definition.evolve(before, event);
    if (after !== null && after !== before) changed.set(key, after);
  }
  return changed;
}

/**
 * Serialises concurrent writers of the same read-model keys (partitions are
 * processed in parallel, and one key's events can sit on every partition).
 * The store's `FOR UPDATE` locks only rows that exist: two transactions could
 * both find no row for a new key and the later insert would overwrite the
 * earlier one. Transaction-scoped advisory locks on (table, key) exist before
 * the row does. Taken in one statement, in lock-id order, so two batches
 * never wait on each other crosswise (no deadlock); released at commit.
 */
export async function lockProjectionKeys(tx: SqlTx, table: string, keys: readonly string[]): Promise<void> {
  await tx.$executeRawUnsafe(
    `SELECT pg_advisory_xact_lock(id) FROM (
       SELECT DISTINCT hashtextextended($1 || chr(31) || key, 0) AS id FROM unnest($2::text[]) AS key ORDER BY id
     ) AS locks`,
    table,
    keys,
  );
}

/**
 * One batch into one table: key locks, load, evolve, save, checkpoint under
 * `checkpointName` — all in the caller's transaction. The live consumer and
 * a rebuild's catch-up both write through here.
 */
export async function applyProjectionBatch<Row, E extends EventEnvelope, Tx extends SqlTx>(
  definition: ProjectionDefinition<Row, E>,
  store: ProjectionStore<Row, Tx>,
  checkpointName: string,
  items: readonly BatchItem<E>[],
  tx: Tx,
): Promise<void> {
  if (items.length === 0) return;
  const keys = [...new Set(items.map((i) => definition.keyOf(i.event)))];
  await lockProjectionKeys(tx, store.table, keys);
  const current = await store.load(tx, keys);
  const changed = evolveRows(definition, current, items.map((i) => i.event));
  await store.save(tx, [...changed.values()]);
  await store.checkpoints.save(tx, checkpointName, checkpointsOf(items));
}

/** A projection consumer over one fixed table (tests, tools); the demo resolves its table per batch (projection-versions.ts). */
export function projectionConsumer<Row, E extends EventEnvelope, Tx extends SqlTx>(
  definition: ProjectionDefinition<Row, E>,
  store: ProjectionStore<Row, Tx>,
): ConsumerDefinition<Tx, E> {
  return projectionConsumerOf(definition, (items, ctx) => applyProjectionBatch(definition, store, definition.name, items, ctx.tx));
}

/** The consumer a projection runs as: its batch handler, and one event as a batch of one. */
export function projectionConsumerOf<Row, E extends EventEnvelope, Tx extends SqlTx>(
  definition: ProjectionDefinition<Row, E>,
  handleBatch: (items: readonly BatchItem<E>[], ctx: { tx: Tx }) => Promise<void>,
): ConsumerDefinition<Tx, E> {
  return {
    name: definition.name,
    topics: definition.topics,
    handles: definition.handles,
    retry: definition.retry,
    handleBatch,
    handle: (event, ctx) => handleBatch([{ event, message: ctx.message }], ctx),
  };
}
