// Reads one order (write model) and the facts recorded about it, for the demo
// API's GET /orders/:id and the CLI's `show`.
import type { Db } from '../../adapters/prisma/client';

export async function getOrder(db: Db, orderId: string) {
  const order = await db.order.findUnique({ where: { id: orderId } });
  if (!order) return null;
  const events = await db.outboxEvent.findMany({
    where: { subject: orderId },
    orderBy: { position: 'asc' },
    select: { eventId: true, type: true, version: true, occurredAt: true, publishedAt: true, traceId: true },
    take: 100,
  });
  return {
    orderId: order.id,
    customerId: order.customerId,
    status: order.status,
    amountCents: order.amountCents,
    currency: order.currency,
    shipmentId: order.shipmentId,
    version: order.version,
    placedAt: order.placedAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
    events: events.map((e) => ({
      id: e.eventId,
      type: e.type,
      version: e.version,
      occurredAt: e.occurredAt.toISOString(),
      publishedAt: e.publishedAt?.toISOString() ?? null,
      traceId: e.traceId,
    })),
  };
}

export type OrderView = NonNullable<Awaited<ReturnType<typeof getOrder>>>;
