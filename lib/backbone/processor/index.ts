// The heart of an idempotent consumer, independent of Kafka: takes the
// messages of one partition in order and, for each, ends in exactly one of
// "applied" (effect + inbox row + attempt record in one transaction),
// "duplicate", "skipped" (type not handled) or "dead-lettered". It reports
// each finished message through onDone so the caller can resolve its offset.
import { classifyError } from '../classify-error';
import type { ConsumerDefinition } from '../consumer-definition';
import type { SqlTx } from '../ports';
import { applyRun } from './apply';
import { historyEntry } from './attempts';
import { writeDeadLetter } from './dead-letter';
import { scopeOf, type IncomingMessage, type ProcessHooks, type ProcessorDeps } from './deps';
import { decodeIncoming, nextStep } from './plan';
import { retryOrDeadLetter } from './retry';

export type { IncomingMessage, ProcessHooks, ProcessorDeps, ProcessorOptions, ProcessorPorts } from './deps';
export { headerValue } from './plan';

export function createMessageProcessor<Tx extends SqlTx>(definition: ConsumerDefinition<Tx>, deps: ProcessorDeps<Tx>) {
  const scope = scopeOf(definition, deps);

  /** Processes one partition's messages in order. Returns false if interrupted by a stop. */
  async function process(messages: readonly IncomingMessage[], hooks: ProcessHooks): Promise<boolean> {
    const decoded = messages.map((m) => decodeIncoming(scope.registry, m, scope.maxMessageBytes));
    let i = 0;
    while (i < decoded.length) {
      if (hooks.isRunning && !hooks.isRunning()) return false;
      const step = nextStep(decoded, i, scope);
      if (step.kind !== 'run') {
        if (step.kind === 'dead-letter') {
          const error = classifyError(step.error);
          await writeDeadLetter(scope, step.decoded, error, [historyEntry(scope.now(), 1, 0, error)]);
        }
        hooks.onDone(step.decoded.message);
        i++;
        continue;
      }
      const { done, failure } = await applyRun(scope, step.items);
      for (const item of step.items.slice(0, done)) hooks.onDone(item.decoded.message);
      i += done;
      if (failure) {
        const failed = step.items[done]!;
        if ((await retryOrDeadLetter(scope, failed, failure, hooks)) === 'interrupted') return false;
        hooks.onDone(failed.decoded.message);
        i++;
      }
      await hooks.onWait?.();
    }
    return true;
  }

  return { process };
}
