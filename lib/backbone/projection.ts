// A projection is a named consumer whose effect is a pure evolve over
// read-model rows, plus a checkpoint written in the same transaction. The
// store says which physical table holds the rows, so a rebuild can evolve the
// same events into a new, versioned table.
import type { Prisma } from '../adapters/prisma/client';
import type { EventEnvelope } from '../domain/events/envelope';
import type { BatchItem, ConsumerDefinition, RetryPolicy } from './consumer-definition';
import { saveCheckpoints } from '../adapters/prisma/checkpoint-store';

export interface ProjectionStore<Row> {
  /** The physical table, e.g. order_summary_v1. */
  readonly table: string;
  load(tx: Prisma.TransactionClient, keys: readonly string[]): Promise<Map<string, Row>>;
  save(tx: Prisma.TransactionClient, rows: readonly Row[]): Promise<void>;
}

export interface ProjectionDefinition<Row> {
  name: string;
  topics: readonly string[];
  handles: readonly string[];
  keyOf(event: EventEnvelope): string;
  /** Pure: the row after the event, or the same row when the event changes nothing. */
  evolve(row: Row | null, event: EventEnvelope): Row | null;
  retry?: RetryPolicy;
}

/** Applies events to rows in memory, in order; returns only the rows that changed. Pure. */
export function evolveRows<Row>(
  definition: Pick<ProjectionDefinition<Row>, 'keyOf' | 'evolve' | 'handles'>,
  current: Map<string, Row>,
  events: readonly EventEnvelope[],
): Map<string, Row> {
  const changed = new Map<string, Row>();
  const handled = new Set(definition.handles);
  for (const event of events) {
    if (!handled.has(event.type)) continue;
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
async function lockKeys(tx: Prisma.TransactionClient, table: string, keys: readonly string[]): Promise<void> {
  await tx.$executeRawUnsafe(
    `SELECT pg_advisory_xact_lock(id) FROM (
       SELECT DISTINCT hashtextextended($1 || chr(31) || key, 0) AS id FROM unnest($2::text[]) AS key ORDER BY id
     ) AS locks`,
    table,
    keys,
  );
}

export function projectionConsumer<Row>(definition: ProjectionDefinition<Row>, store: ProjectionStore<Row>): ConsumerDefinition {
  async function handleBatch(items: readonly BatchItem[], ctx: { tx: Prisma.TransactionClient }) {
    if (items.length === 0) return;
    const keys = [...new Set(items.map((i) => definition.keyOf(i.event)))];
    await lockKeys(ctx.tx, store.table, keys);
    const current = await store.load(ctx.tx, keys);
    const changed = evolveRows(definition, current, items.map((i) => i.event));
    await store.save(ctx.tx, [...changed.values()]);
    await saveCheckpoints(ctx.tx, definition.name, items);
  }
  return {
    name: definition.name,
    topics: definition.topics,
    handles: definition.handles,
    retry: definition.retry,
    handleBatch,
    handle: (event, ctx) => handleBatch([{ event, message: ctx.message }], ctx),
  };
}
