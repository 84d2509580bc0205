// Replays of dead letters (docs/dlq.md): a record on the consumer's own replay topic
// carrying `signalbox-dlq-id` names the DLQ row it re-delivers. Applying it (or
// finding it already applied) resolves that row in the same transaction; failing
// again grows that row's history instead of making a new one.
import type { Position } from '../../domain/dlq/sequencing';
import { replayTopicOf, type BatchItem } from '../consumer-definition';
import type { RawHeader, SqlTx } from '../ports';
import type { ProcessorScope } from './deps';
import { headerValue } from './plan';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The DLQ row a message replays, when it came through this consumer's replay topic. */
export function replayedDlqId(consumer: string, message: { topic: string; headers?: readonly RawHeader[] }): string | null {
  if (message.topic !== replayTopicOf(consumer) || !message.headers) return null;
  const id = headerValue(message.headers, 'signalbox-dlq-id');
  return id && UUID.test(id) ? id.toLowerCase() : null;
}

/** Resolves the DLQ rows of replayed items, inside the transaction that applied them. */
export async function resolveReplayed<Tx extends SqlTx>(scope: ProcessorScope<Tx>, tx: Tx, items: readonly BatchItem[]): Promise<void> {
  const resolve = scope.ports.deadLetters.resolve;
  if (!resolve) return;
  const ids: string[] = [];
  for (const item of items) {
    const headers = (item as BatchItem & { decoded?: { message: { headers: RawHeader[] } } }).decoded?.message.headers;
    const id = replayedDlqId(scope.consumer, { topic: item.message.topic, headers });
    if (id) ids.push(id);
  }
  // One statement for the whole run (a replay applies hundreds a second).
  if (ids.length) await resolve(tx, ids, scope.consumer);
}

/** Where a message stands in its subject's order: a replay at its original coordinates (lineage headers), anything else where it is. */
export function positionOf(consumer: string, message: { topic: string; partition: number; offset: string; headers?: readonly RawHeader[] }): Position {
  if (replayedDlqId(consumer, message) && message.headers) {
    const topic = headerValue(message.headers, 'signalbox-original-topic');
    const partition = Number(headerValue(message.headers, 'signalbox-original-partition'));
    const offset = headerValue(message.headers, 'signalbox-original-offset');
    if (topic && Number.isInteger(partition) && offset && /^\d{1,19}$/.test(offset)) return { topic, partition, offset };
  }
  return { topic: message.topic, partition: message.partition, offset: message.offset };
}
