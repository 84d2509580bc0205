// The apply paths. A run of events is applied in one transaction: all at once
// through handleBatch when the consumer has one, else (or when that fails) one
// by one, each under a savepoint, stopping at the first failing event so the
// caller can retry or dead-letter it. Effect, inbox row and attempt record
// always commit together.
import { classifyError } from '../classify-error';
import type { BatchItem, HandlerContext } from '../consumer-definition';
import type { AttemptRecord, SqlTx } from '../ports';
import { attemptOf, inboxItemOf } from './attempts';
import type { ProcessorScope } from './deps';
import { processSpanAttributes } from './span-attributes';
import { resolveReplayed } from './replay-lineage';

export interface Failure {
  error: unknown;
  durationMs: number;
}

export interface RunResult {
  done: number;
  failure?: Failure;
}

function contextFor<Tx extends SqlTx>(scope: ProcessorScope<Tx>, tx: Tx, item: BatchItem | null, attempt: number): HandlerContext<Tx> {
  return {
    tx,
    consumer: scope.consumer,
    attempt,
    message: item?.message ?? { topic: '', partition: -1, offset: '-1' },
    emit: (events) =>
      scope.ports.outbox.append(
        tx,
        events.map((e) => ({ ...e, causationId: item?.event.id ?? null, correlationId: item?.event.correlation_id ?? item?.event.id ?? null })),
        { traceparent: item?.event.traceparent },
      ),
  };
}

/** Applies one event's effect (no inbox, no record) inside tx, traced when a span port is given. */
export async function handleOne<Tx extends SqlTx>(scope: ProcessorScope<Tx>, tx: Tx, item: BatchItem, attempt: number): Promise<void> {
  const { definition, consumer } = scope;
  const ctx = contextFor(scope, tx, item, attempt);
  const apply = () => (definition.handleBatch ? definition.handleBatch([item], ctx) : definition.handle(item.event, ctx));
  if (!scope.ports.span) return apply();
  return scope.ports.span(`${consumer} process ${item.event.type}`, { traceparent: item.event.traceparent, attributes: processSpanAttributes(consumer, item, attempt) }, apply);
}

/**
 * Claims the inbox for one event and applies it when new; returns whether it was a
 * duplicate. A replayed event's DLQ row is resolved here unless the caller resolves
 * the whole run at its end (`resolve: false`), still in this transaction.
 */
export async function applyOne<Tx extends SqlTx>(scope: ProcessorScope<Tx>, tx: Tx, item: BatchItem, attempt: number, options: { resolve: boolean } = { resolve: true }): Promise<boolean> {
  const fresh = await scope.ports.inbox.claim(tx, scope.consumer, [inboxItemOf(item)]);
  const duplicate = !fresh.has(item.event.id);
  if (!duplicate) await handleOne(scope, tx, item, attempt);
  if (options.resolve) await resolveReplayed(scope, tx, [item]);
  return duplicate;
}

/** The whole run through handleBatch in one transaction. Throws when any event fails. */
async function applyBatch<Tx extends SqlTx>(scope: ProcessorScope<Tx>, items: readonly BatchItem[]): Promise<void> {
  const started = performance.now();
  await scope.ports.transactions.run(async (tx) => {
    const fresh = await scope.ports.inbox.claim(tx, scope.consumer, items.map(inboxItemOf));
    // An event twice in one run (a producer retry) is applied once: the first copy claims it.
    const applied = items.filter((item) => fresh.delete(item.event.id));
    await scope.definition.handleBatch!(applied, contextFor(scope, tx, null, 1));
    await resolveReplayed(scope, tx, items);
    const each = (performance.now() - started) / items.length;
    const isApplied = new Set(applied);
    const records = items.map((item) => attemptOf(scope.consumer, item, { number: 1, outcome: isApplied.has(item) ? 'ok' : 'duplicate', durationMs: each }));
    await scope.ports.attempts.record(tx, records);
  }, { timeoutMs: scope.timeoutMs });
}

/** Event by event under savepoints, in one transaction; stops at the first failure. */
async function applyOneByOne<Tx extends SqlTx>(scope: ProcessorScope<Tx>, items: readonly BatchItem[]): Promise<RunResult> {
  const started = performance.now();
  const result: RunResult = { done: 0 };
  await scope.ports.transactions.run(async (tx) => {
    const records: AttemptRecord[] = [];
    const applied: BatchItem[] = [];
    for (const item of items) {
      // A slow handler must not run the transaction into its timeout: commit what is done and go on in a new one.
      if (result.done > 0 && performance.now() - started > scope.timeoutMs / 2) break;
      const t0 = performance.now();
      await tx.$executeRawUnsafe('SAVEPOINT event');
      try {
        const duplicate = await applyOne(scope, tx, item, 1, { resolve: false });
        await tx.$executeRawUnsafe('RELEASE SAVEPOINT event');
        applied.push(item);
        records.push(attemptOf(scope.consumer, item, { number: 1, outcome: duplicate ? 'duplicate' : 'ok', durationMs: performance.now() - t0 }));
        result.done++;
      } catch (error) {
        await tx.$executeRawUnsafe('ROLLBACK TO SAVEPOINT event');
        result.failure = { error, durationMs: performance.now() - t0 };
        break;
      }
    }
    await resolveReplayed(scope, tx, applied);
    await scope.ports.attempts.record(tx, records);
  }, { timeoutMs: scope.timeoutMs });
  return result;
}

/** Applies a run; returns how many events were finished and the first failure, if any. */
export async function applyRun<Tx extends SqlTx>(scope: ProcessorScope<Tx>, items: readonly BatchItem[]): Promise<RunResult> {
  if (scope.definition.handleBatch && items.length > 1) {
    try {
      await applyBatch(scope, items);
      return { done: items.length };
    } catch (error) {
      // One-by-one finds the failing event and still applies the others; say why the fast path was left.
      const cause = classifyError(error);
      scope.log(`${scope.consumer}: batch of ${items.length} failed (${cause.code}: ${cause.message.slice(0, 200)}); applying one by one`);
    }
  }
  return applyOneByOne(scope, items);
}
