// The backbone's EventLogReader over the outbox table: pages in position order.
import type { EventLogReader } from '../../backbone/ports';
import type { Db } from './client';

export function prismaEventLog(db: Db): EventLogReader {
  return {
    page: ({ after, limit, types, topics, untilPosition }) =>
      db.outboxEvent.findMany({
        where: {
          position: { gt: after, ...(untilPosition !== undefined ? { lte: untilPosition } : {}) },
          ...(types ? { type: { in: [...types] } } : {}),
          ...(topics ? { topic: { in: [...topics] } } : {}),
        },
        orderBy: { position: 'asc' },
        take: limit,
        select: { position: true, envelope: true },
      }),
  };
}
