// Projection checkpoints (the backbone's CheckpointStore port): per
// (projection, topic, partition), the highest offset applied and how many
// events, written in the read model's transaction; never moved backwards.
import type { CheckpointStore, SqlTx } from '../../backbone/ports';

export const sqlCheckpoints: CheckpointStore<SqlTx> = {
  async save(tx, projection, checkpoints) {
    if (checkpoints.length === 0) return;
    await tx.$executeRawUnsafe(
      `INSERT INTO projection_checkpoints (projection, topic, partition, "offset", last_event_id, events_applied, updated_at)
       SELECT $1, t, p, o::bigint, e, c, now()
       FROM unnest($2::text[], $3::int[], $4::text[], $5::uuid[], $6::bigint[]) AS x(t, p, o, e, c)
       ON CONFLICT (projection, topic, partition) DO UPDATE SET
         "offset" = GREATEST(projection_checkpoints."offset", EXCLUDED."offset"),
         last_event_id = CASE WHEN EXCLUDED."offset" >= projection_checkpoints."offset" THEN EXCLUDED.last_event_id ELSE projection_checkpoints.last_event_id END,
         events_applied = projection_checkpoints.events_applied + EXCLUDED.events_applied,
         updated_at = now()`,
      projection,
      checkpoints.map((c) => c.topic),
      checkpoints.map((c) => c.partition),
      checkpoints.map((c) => c.offset.toString()),
      checkpoints.map((c) => c.lastEventId),
      checkpoints.map((c) => c.count),
    );
  },
};
