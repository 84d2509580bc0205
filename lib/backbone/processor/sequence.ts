// Sequenced dead-lettering on the consumer side (docs/dlq.md; rules in
// lib/domain/dlq/sequencing.ts). For a consumer that opts in, each step is planned
// with the current heads of the subjects ahead (one query), and an event whose
// subject has an earlier event in the DLQ is parked behind it: stored as a DLQ row
// with status `parked`, not applied. The park re-checks the head under a row lock in
// its own transaction, so a head discarded or resolved meanwhile is never waited on.
import { blockerOf, headsBySubject, parkedMessage, PARKED_ERROR_CLASS, type SubjectHead } from '../../domain/dlq/sequencing';
import type { ClassifiedError } from '../classify-error';
import type { SqlTx } from '../ports';
import { deadLetterOf } from './dead-letter';
import { readOnce, type ProcessorScope } from './deps';
import type { Decoded, ReadyItem } from './plan';
import { positionOf, replayedDlqId } from './replay-lineage';

/** The heads of the subjects of the handled events a run from `from` can reach, or null when the consumer is not sequenced. */
export async function headsAhead<Tx extends SqlTx>(scope: ProcessorScope<Tx>, decoded: readonly Decoded[], from: number): Promise<ReadonlyMap<string, SubjectHead> | null> {
  const heads = scope.ports.deadLetters.heads;
  if (!scope.definition.sequenced || !heads) return null;
  // The subjects of the next maxChunk handled events: as far as a run can reach (it passes over others' messages).
  const subjects = new Set<string>();
  for (let i = from, handled = 0; i < decoded.length && handled < scope.maxChunk; i++) {
    const { result } = decoded[i]!;
    if (!result.ok || !scope.handles.has(result.envelope.type)) continue;
    handled++;
    if (result.envelope.subject) subjects.add(result.envelope.subject);
  }
  if (subjects.size === 0) return new Map();
  const rows = await readOnce(scope, (tx) => heads(tx, scope.consumer, [...subjects]));
  return headsBySubject(rows);
}

/** The plan rule for one step: which head (if any) an item waits behind. */
export function blockerRule<Tx extends SqlTx>(scope: ProcessorScope<Tx>, heads: ReadonlyMap<string, SubjectHead>) {
  return (item: ReadyItem) => {
    const { message } = item.decoded;
    return blockerOf({ subject: item.event.subject, position: positionOf(scope.consumer, message), ownDlqId: replayedDlqId(scope.consumer, message) }, heads);
  };
}

/** Parks `item` behind DLQ row `behind`; 'unblocked' when that row no longer holds the subject (then plan again). */
export async function parkBehind<Tx extends SqlTx>(scope: ProcessorScope<Tx>, item: ReadyItem, behind: string): Promise<'parked' | 'unblocked'> {
  const park = scope.ports.deadLetters.park;
  if (!park) return 'unblocked';
  const reason: ClassifiedError = { code: 'conflict', retryable: false, errorClass: PARKED_ERROR_CLASS, message: parkedMessage(behind, item.event.subject), stack: null };
  const letter = deadLetterOf(scope.consumer, item.decoded, reason, [], scope.now());
  const outcome = await scope.ports.transactions.run((tx) => park(tx, letter, behind), { timeoutMs: scope.timeoutMs });
  if (outcome === 'parked') {
    const { topic, partition, offset } = item.decoded.message;
    scope.log(`${scope.consumer}: parked ${topic}/${partition}@${offset} (${item.event.type} of ${item.event.subject}) behind dead letter ${behind}`);
  }
  return outcome;
}
