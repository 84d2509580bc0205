// The heart of an idempotent consumer, independent of Kafka: takes the
// messages of one partition in order and, for each, ends in exactly one of
// "applied" (effect + inbox row + attempt record in one transaction),
// "duplicate", "skipped" (type not handled), "dead-lettered" or, for a sequenced
// consumer, "parked" behind an earlier dead letter of its subject. It reports
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
import { blockerRule, headsAhead, parkBehind } from './sequence';

export type { IncomingMessage, ProcessHooks, ProcessorDeps, ProcessorOptions, ProcessorPorts } from './deps';
export { headerValue } from './plan';

export function createMessageProcessor<Tx extends SqlTx>(definition: ConsumerDefinition<Tx>, deps: ProcessorDeps<Tx>) {
  const scope = scopeOf(definition, deps);

  /** Processes one partition's messages in order. Returns false if interrupted by a stop. */
  async function process(messages: readonly IncomingMessage[], hooks: ProcessHooks): Promise<boolean> {
    const decoded = messages.map((m) => decodeIncoming(scope.registry, m, scope.maxMessageBytes));
    let i = 0;
    let replans = 0;
    while (i < decoded.length) {
      if (hooks.isRunning && !hooks.isRunning()) return false;
      // A sequenced consumer plans each step with the DLQ heads of the subjects ahead.
      const heads = await headsAhead(scope, decoded, i);
      const step = nextStep(decoded, i, heads ? { ...scope, blockerOf: blockerRule(scope, heads) } : scope);
      if (step.kind === 'park') {
        // The head was resolved or discarded since the plan: plan again with fresh heads.
        if ((await parkBehind(scope, step.item, step.behind)) === 'unblocked') {
          if (++replans > 10) throw new Error(`${scope.consumer}: the DLQ head of ${step.item.event.subject} keeps changing; left for redelivery`);
          continue;
        }
        replans = 0;
        hooks.onDone(step.item.decoded.message);
        i++;
        continue;
      }
      replans = 0;
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
