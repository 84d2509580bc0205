// Feeds demo orders to both demo projections the way the live consumer applies them
// (applyProjectionBatch), with Kafka coordinates assigned here, so a drift test owns
// the timing of the race between the relay's "published" mark and the consumer.
import type { Db } from '@/lib/adapters/prisma/client';
import { createOutboxWriter } from '@/lib/adapters/outbox/outbox-writer';
import { applyProjectionBatch } from '@/lib/backbone/projection';
import type { EventEnvelope } from '@/lib/domain/events/envelope';
import { createOrderEventRegistry, ORDERS_TOPIC } from '@/lib/demo/orders/events';
import type { EventRegistry } from '@/lib/domain/events/registry';
import type { ProjectionJobDeps } from '@/lib/jobs/kinds/projection-deps';
import { customerStatsProjection, customerStatsStore } from '@/lib/demo/projections/customer-stats';
import { orderSummaryProjection, orderSummaryStore } from '@/lib/demo/projections/order-summary';
import { customerOrder } from './pipeline';

/** An appended event with the Kafka coordinates a test gave it. */
export interface PlacedEvent { event: EventEnvelope; message: { topic: string; partition: number; offset: string } }

/**
 * Appends `ordersEach` orders per customer to the outbox through `writer` and gives each
 * event a partition (by order) and the next offset of it (`offsets`, one per partition,
 * advanced here). `mark` marks them published with those coordinates, as the relay would.
 */
export async function placeOrders(
  db: Db, writer: ReturnType<typeof createOutboxWriter>, offsets: number[], customers: string[], ordersEach: number,
): Promise<{ placed: PlacedEvent[]; mark: () => Promise<number> }> {
  const events = customers.flatMap((c) => Array.from({ length: ordersEach }, (_, n) => customerOrder(c, n)).flat());
  const envelopes = await db.$transaction((tx) => writer.append(tx, events), { timeout: 60_000 });
  const placed = envelopes.map((event) => {
    const partition = parseInt(event.subject.slice(0, 2), 16) % offsets.length;
    return { event, message: { topic: ORDERS_TOPIC, partition, offset: String(++offsets[partition]!) } };
  });
  const mark = () => db.$executeRawUnsafe(
    `UPDATE outbox_events o SET partition = x.p, "offset" = x.o::bigint, published_at = now()
     FROM unnest($1::uuid[], $2::int[], $3::text[]) AS x(id, p, o) WHERE o.event_id = x.id`,
    placed.map((i) => i.event.id), placed.map((i) => i.message.partition), placed.map((i) => i.message.offset),
  );
  return { placed, mark };
}

export function projectionFeeder(db: Db, partitions: number, source: string) {
  const offsets = new Array<number>(partitions).fill(-1);
  const writer = createOutboxWriter({ source, topicFor: () => ORDERS_TOPIC });
  /**
   * Appends `ordersEach` orders per customer to the outbox, gives each event a partition
   * (by order) and offset, applies them to both projections one partition run at a time,
   * and marks them published — after the apply when `markLate`, as a relay slower than
   * its consumer. Returns how many events were appended.
   */
  return async function feed(customers: string[], ordersEach: number, markLate = false): Promise<number> {
    const { placed, mark } = await placeOrders(db, writer, offsets, customers, ordersEach);
    if (!markLate) await mark();
    for (let p = 0; p < partitions; p++) {
      const run = placed.filter((i) => i.message.partition === p);
      await db.$transaction(async (tx) => {
        await applyProjectionBatch(customerStatsProjection, customerStatsStore(), 'customer-stats', run as never, tx);
        await applyProjectionBatch(orderSummaryProjection, orderSummaryStore(), 'order-summary', run as never, tx);
      });
    }
    if (markLate) setTimeout(() => void mark().catch((e: unknown) => console.error('late mark failed', e)), 300);
    return placed.length;
  };
}

export const customerIds = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);

/** A drift test's job dependencies on its own database: 64 buckets, 5 samples, repair batches of 4. */
export function driftTestDeps(db: Db, databaseUrl: string): ProjectionJobDeps {
  return {
    db, registry: createOrderEventRegistry() as EventRegistry,
    env: { DATABASE_URL: databaseUrl, PROJECTION_DRIFT_BUCKETS: 64, PROJECTION_DRIFT_SAMPLES: 5, PROJECTION_DRIFT_PUBLISH_WAIT_MS: 5_000, PROJECTION_DRIFT_EVERY_MIN: 0, PROJECTION_REPAIR_BATCH: 4 },
  };
}
