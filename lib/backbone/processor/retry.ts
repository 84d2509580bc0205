// Retry policy for one event whose first attempt failed: retryable failures
// are tried again with backoff, each attempt in its own transaction, up to the
// consumer's attempt budget; anything else, or the last failure, is dead-lettered.
import { backoffDelay } from '../../domain/backoff';
import { AppError } from '../../errors';
import { classifyError } from '../classify-error';
import type { AttemptHistoryEntry, SqlTx } from '../ports';
import type { Failure } from './apply';
import { applyOne } from './apply';
import { attemptOf, historyEntry } from './attempts';
import { writeDeadLetter } from './dead-letter';
import type { ProcessHooks, ProcessorScope } from './deps';
import type { ReadyItem } from './plan';

export type RetryOutcome = 'applied' | 'dead_lettered' | 'interrupted';

/** Sleeps `delay` in slices of at most a second, heartbeating between them. False when the consumer stopped. */
async function waitOut<Tx extends SqlTx>(scope: ProcessorScope<Tx>, delay: number, hooks: ProcessHooks): Promise<boolean> {
  for (let waited = 0; waited < delay; waited += 1000) {
    if (hooks.isRunning && !hooks.isRunning()) return false;
    await scope.sleep(Math.min(1000, delay - waited));
    await hooks.onWait?.();
  }
  return true;
}

/** Attempts 2..n of one event after attempt 1 failed. */
export async function retryOrDeadLetter<Tx extends SqlTx>(scope: ProcessorScope<Tx>, item: ReadyItem, first: Failure, hooks: ProcessHooks): Promise<RetryOutcome> {
  const { ports, consumer, retry } = scope;
  let last = classifyError(first.error);
  const history: AttemptHistoryEntry[] = [historyEntry(scope.now(), 1, first.durationMs, last)];
  for (let attempt = 2; last.retryable && attempt <= retry.maxAttempts; attempt++) {
    const failed = attemptOf(consumer, item, { number: attempt - 1, outcome: 'retry', durationMs: history.at(-1)!.durationMs, error: last });
    await ports.transactions.run((tx) => ports.attempts.record(tx, [failed]));
    if (!(await waitOut(scope, backoffDelay(attempt - 1, retry, scope.random), hooks))) return 'interrupted';
    const t0 = performance.now();
    try {
      await ports.transactions.run(async (tx) => {
        const duplicate = await applyOne(scope, tx, item, attempt);
        const outcome = duplicate ? 'duplicate' : 'ok';
        await ports.attempts.record(tx, [attemptOf(consumer, item, { number: attempt, outcome, durationMs: performance.now() - t0 })]);
      }, { timeoutMs: scope.timeoutMs });
      return 'applied';
    } catch (error) {
      last = classifyError(error);
      history.push(historyEntry(scope.now(), attempt, performance.now() - t0, last));
    }
  }
  // Losing the database is the system's failure, not the message's: dead-lettering
  // a good message because an outage outlasted its attempt budget would be wrong.
  // Throw instead, so the runtime backs off and processes the message again later.
  if (last.code === 'db_unavailable') throw new AppError('db_unavailable', `${consumer}: database unavailable while retrying; left for redelivery (${last.message.slice(0, 200)})`);
  await writeDeadLetter(scope, item.decoded, last, history);
  return 'dead_lettered';
}
