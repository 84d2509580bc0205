// Projection checkpoints from a batch: per (topic, partition), the highest
// offset applied, the event at it and how many events. Pure.
import type { BatchItem } from './consumer-definition';
import type { Checkpoint } from './ports';

export function checkpointsOf(items: readonly BatchItem[]): Checkpoint[] {
  const byPartition = new Map<string, Checkpoint>();
  for (const { event, message } of items) {
    const key = `${message.topic}\u0000${message.partition}`;
    const offset = BigInt(message.offset);
    const entry = byPartition.get(key);
    if (!entry) byPartition.set(key, { topic: message.topic, partition: message.partition, offset, lastEventId: event.id, count: 1 });
    else {
      entry.count++;
      if (offset >= entry.offset) Object.assign(entry, { offset, lastEventId: event.id });
    }
  }
  return [...byPartition.values()];
}
