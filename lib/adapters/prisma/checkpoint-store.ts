// Projection checkpoints: per (projection, topic, partition), the highest
// offset applied and how many events, written in the read-model's transaction.
import type { Prisma } from './client';
import type { BatchItem } from '../../backbone/consumer-definition';

export async function saveCheckpoints(tx: Prisma.TransactionClient, projection: string, items: readonly BatchItem[]): Promise<void> {
  const byPartition = new Map<string, { topic: string; partition: number; offset: bigint; lastEventId: string; count: number }>();
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
  const rows = [...byPartition.values()];
  if (rows.length === 0) return;
  await tx.$executeRaw`
    INSERT INTO projection_checkpoints (projection, topic, partition, "offset", last_event_id, events_applied, updated_at)
    SELECT ${projection}, t, p, o::bigint, e, c, now()
    FROM unnest(${rows.map((r) => r.topic)}::text[], ${rows.map((r) => r.partition)}::int[], ${rows.map((r) => r.offset.toString())}::text[],
                ${rows.map((r) => r.lastEventId)}::uuid[], ${rows.map((r) => r.count)}::bigint[]) AS x(t, p, o, e, c)
    ON CONFLICT (projection, topic, partition) DO UPDATE SET
      "offset" = GREATEST(projection_checkpoints."offset", EXCLUDED."offset"),
      last_event_id = CASE WHEN EXCLUDED."offset" >= projection_checkpoints."offset" THEN EXCLUDED.last_event_id ELSE projection_checkpoints.last_event_id END,
      events_applied = projection_checkpoints.events_applied + EXCLUDED.events_applied,
      updated_at = now()`;
}
