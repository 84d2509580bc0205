// The heart of an idempotent consumer, independent of Kafka: takes the
// messages of one partition in order and, for each, ends in exactly one of
// "applied" (effect + inbox row + attempt record in one transaction),
// "duplicate", "skipped" (type not handled), "dead-lettered" or, for a sequenced
// consumer, "parked" behind an earlier dead letter of its subject. It reports
// each finished message through onDone so the caller can resolve its offset.
import { classifyError } from '../classify-error';
import { replayTopicOf, type ConsumerDefinition } from '../consumer-definition';
import type { SqlTx } from '../ports';
import { applyRun } from './apply';
import { historyEntry } from './attempts';
import { writeDeadLetter } from './dead-letter';
import { readOnce, scopeOf, type IncomingMessage, type ProcessHooks, type ProcessorDeps, type ProcessorScope } from './deps';
import { decodeIncoming, nextStep, type Decoded } from './plan';
import { retryOrDeadLetter } from './retry';
import { blockerRule, headsAhead, parkBehind } from './sequence';

export type { IncomingMessage, ProcessHooks, ProcessorDeps, ProcessorOptions, ProcessorPorts } from './deps';
export { headerValue } from './plan';

/** Ids of the events among `decoded` (not replays) that this consumer has dead-lettered already. */
async function alreadyDeadLettered<Tx extends SqlTx>(scope: ProcessorScope<Tx>, decoded: readonly Decoded[]): Promise<Set<string>> {
  const lookup = scope.ports.deadLetters.deadLettered;
  const ids = new Set<string>();
  // Anything on the consumer's replay topic is a replay (with lineage headers or without): it is applied.
  for (const d of decoded) if (d.result.ok && scope.handles.has(d.result.envelope.type) && d.message.topic !== replayTopicOf(scope.consumer)) ids.add(d.result.envelope.id);
  if (!lookup || ids.size === 0) return new Set();
  const found = await readOnce(scope, (tx) => lookup(tx, scope.consumer, [...ids]));
  return new Set(found);
}

export function createMessageProcessor<Tx extends SqlTx>(definition: ConsumerDefinition<Tx>, deps: ProcessorDeps<Tx>) {
  const scope = scopeOf(definition, deps);

  /** Processes one partition's messages in order. Returns false if interrupted by a stop. */
  async function process(messages: readonly IncomingMessage[], hooks: ProcessHooks): Promise<boolean> {
    const decoded = messages.map((m) => decodeIncoming(scope.registry, m, scope.maxMessageBytes));
    // Events this consumer dead-lettered already (found now, or dead-lettered below): a copy is finished, not applied.
    const deadIds = await alreadyDeadLettered(scope, decoded);
    const settled = (d: Decoded) => d.result.ok && deadIds.has(d.result.envelope.id) && d.message.topic !== replayTopicOf(scope.consumer);
    let i = 0;
    let replans = 0;
    while (i < decoded.length) {
      if (hooks.isRunning && !hooks.isRunning()) return false;
      // A sequenced consumer plans each step with the DLQ heads of the subjects ahead.
      const heads = await headsAhead(scope, decoded, i);
      const step = nextStep(decoded, i, heads ? { ...scope, settled, blockerOf: blockerRule(scope, heads) } : { ...scope, settled });
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
        if (step.kind === 'skip' && settled(step.decoded)) {
          const { topic, partition, offset } = step.decoded.message;
          scope.log(`${scope.consumer}: ${topic}/${partition}@${offset} was dead-lettered before; not applied again`);
        }
        if (step.kind === 'dead-letter') {
          const error = classifyError(step.error);
          await writeDeadLetter(scope, step.decoded, error, [historyEntry(scope.now(), 1, 0, error)]);
        }
        hooks.onDone(step.decoded.message);
        i++;
        continue;
      }
      const { done, failure } = await applyRun(scope, step.items);
      // Offsets are finished in order: the applied items and the others' messages among them.
      const finishedTo = done < step.items.length ? step.items[done]!.index : step.items.at(-1)!.index + 1;
      for (; i < finishedTo; i++) hooks.onDone(decoded[i]!.message);
      if (failure) {
        const failed = step.items[done]!;
        const outcome = await retryOrDeadLetter(scope, failed, failure, hooks);
        if (outcome === 'interrupted') return false;
        if (outcome === 'dead_lettered') deadIds.add(failed.event.id);
        hooks.onDone(failed.decoded.message);
        i++;
      }
      await hooks.onWait?.();
    }
    return true;
  }

  return { process };
}
