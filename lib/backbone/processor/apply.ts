// The apply paths. A run of events is applied in one transaction: all at once
// through handleBatch when the consumer has one (a BatchItemError names the event
// that failed: the ones before it are applied again as a batch without it), else
// (or when the batch fails otherwise) one by one, each under a savepoint, stopping
// at the first failing event so the caller can retry or dead-letter it. Effect,
// inbox row and attempt record always commit together.
import { classifyError } from '../classify-error';
import { BatchItemError, type BatchContext, type BatchItem, type FollowUpEvent, type HandlerContext } from '../consumer-definition';
import type { AttemptRecord, OutboxGroup, SqlTx } from '../ports';
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

/** The follow-ups of one handled event: caused by it, in its correlation and trace. */
function groupOf(item: BatchItem, events: readonly FollowUpEvent[]): OutboxGroup {
  return {
    events: events.map((e) => ({ ...e, causationId: item.event.id, correlationId: item.event.correlation_id ?? item.event.id })),
    traceparent: item.event.traceparent,
  };
}

/** Appends the groups in one statement when the outbox port can, else group by group. */
async function appendAll<Tx extends SqlTx>(scope: ProcessorScope<Tx>, tx: Tx, groups: readonly OutboxGroup[]): Promise<void> {
  const { outbox } = scope.ports;
  if (groups.length === 0) return;
  if (outbox.appendGroups) {
    await outbox.appendGroups(tx, groups);
    return;
  }
  for (const group of groups) await outbox.append(tx, group.events, { traceparent: group.traceparent });
}

/** Runs handleBatch over `items` in tx, then appends the follow-ups it emitted. */
async function runHandleBatch<Tx extends SqlTx>(scope: ProcessorScope<Tx>, tx: Tx, items: readonly BatchItem[]): Promise<void> {
  const groups: OutboxGroup[] = [];
  const ctx: BatchContext<Tx> = { tx, consumer: scope.consumer, emitFor: (item, events) => void (events.length && groups.push(groupOf(item, events))) };
  await scope.definition.handleBatch!(items, ctx);
  await appendAll(scope, tx, groups);
}

function contextFor<Tx extends SqlTx>(scope: ProcessorScope<Tx>, tx: Tx, item: BatchItem, attempt: number): HandlerContext<Tx> {
  return {
    tx,
    consumer: scope.consumer,
    attempt,
    message: item.message,
    emit: (events) => {
      const group = groupOf(item, events);
      return scope.ports.outbox.append(tx, group.events, { traceparent: group.traceparent });
    },
  };
}

/** Applies one event's effect (no inbox, no record) inside tx, traced when a span port is given. */
export async function handleOne<Tx extends SqlTx>(scope: ProcessorScope<Tx>, tx: Tx, item: BatchItem, attempt: number): Promise<void> {
  const { definition, consumer } = scope;
  const apply = async () => {
    if (!definition.handleBatch || definition.batchable?.() === false) return definition.handle(item.event, contextFor(scope, tx, item, attempt));
    try {
      await runHandleBatch(scope, tx, [item]);
    } catch (error) {
      throw error instanceof BatchItemError ? error.cause : error;
    }
  };
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

/** items[index] failed inside a batch (BatchItemError, mapped from the handler's fresh items to the run's). */
class RunItemFailure extends Error {
  constructor(
    readonly index: number,
    override readonly cause: unknown,
  ) {
    super('a run item failed');
  }
}

/** The whole run through handleBatch in one transaction. Throws when any event fails. */
async function applyBatch<Tx extends SqlTx>(scope: ProcessorScope<Tx>, items: readonly BatchItem[]): Promise<void> {
  const started = performance.now();
  await scope.ports.transactions.run(async (tx) => {
    const fresh = await scope.ports.inbox.claim(tx, scope.consumer, items.map(inboxItemOf));
    // An event twice in one run (a producer retry) is applied once: the first copy claims it.
    const applied = items.filter((item) => fresh.delete(item.event.id));
    try {
      await runHandleBatch(scope, tx, applied);
    } catch (error) {
      const failed = error instanceof BatchItemError ? applied[error.index] : undefined;
      throw failed ? new RunItemFailure(items.indexOf(failed), (error as BatchItemError).cause) : error;
    }
    await resolveReplayed(scope, tx, items);
    const each = (performance.now() - started) / items.length;
    const isApplied = new Set(applied);
    const records = items.map((item) => attemptOf(scope.consumer, item, { number: 1, outcome: isApplied.has(item) ? 'ok' : 'duplicate', durationMs: each }));
    await scope.ports.attempts.record(tx, records);
  }, { timeoutMs: scope.timeoutMs });
}

/** One event alone, without a savepoint: a failure rolls back its transaction, which holds nothing else. */
async function applySingle<Tx extends SqlTx>(scope: ProcessorScope<Tx>, item: BatchItem): Promise<RunResult> {
  const t0 = performance.now();
  let failure: Failure | undefined;
  try {
    await scope.ports.transactions.run(async (tx) => {
      let duplicate: boolean;
      try {
        duplicate = await applyOne(scope, tx, item, 1);
      } catch (error) {
        failure = { error, durationMs: performance.now() - t0 };
        throw error;
      }
      await scope.ports.attempts.record(tx, [attemptOf(scope.consumer, item, { number: 1, outcome: duplicate ? 'duplicate' : 'ok', durationMs: performance.now() - t0 })]);
    }, { timeoutMs: scope.timeoutMs });
    return { done: 1 };
  } catch (error) {
    // The event's failure goes to the retry policy; the transaction's own (begin, commit) to the caller, as one-by-one does.
    if (failure) return { done: 0, failure };
    throw error;
  }
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
  if (scope.definition.handleBatch && items.length > 1 && scope.definition.batchable?.() !== false) {
    const started = performance.now();
    try {
      await applyBatch(scope, items);
      return { done: items.length };
    } catch (error) {
      if (error instanceof RunItemFailure) {
        // The events before the failing one are applied again without it; it goes to the retry policy.
        const failure = { error: error.cause, durationMs: performance.now() - started };
        if (error.index === 0) return { done: 0, failure };
        const before = await applyRun(scope, items.slice(0, error.index));
        return before.failure ? before : { done: error.index, failure };
      }
      // One-by-one finds the failing event and still applies the others; say why the fast path was left.
      const cause = classifyError(error);
      scope.log(`${scope.consumer}: batch of ${items.length} failed (${cause.code}: ${cause.message.slice(0, 200)}); applying one by one`);
    }
  }
  return items.length === 1 ? applySingle(scope, items[0]!) : applyOneByOne(scope, items);
}
