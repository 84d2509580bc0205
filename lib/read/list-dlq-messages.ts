// Dead letters matching a filter, newest failure first, keyset over
// (last_failed_at, id): the messages of a cause group and the CSV export.
import type { z } from 'zod';
import type { Db } from '../adapters/prisma/client';
import { dlqFilterSchema } from '../domain/dlq/selection';
import { decodeCursor, encodeCursor, pageParams } from './dlq-cursor';
import { dlqMessageWhere } from './dlq-where';

export const listDlqMessagesQuery = dlqFilterSchema.extend(pageParams(1_000));
export type ListDlqMessagesQuery = z.input<typeof listDlqMessagesQuery>;

export interface DlqMessageRow {
  id: string;
  consumer: string;
  topic: string;
  partition: number;
  offset: string;
  eventId: string | null;
  eventType: string | null;
  subject: string | null;
  traceId: string | null;
  errorClass: string;
  errorCode: string;
  errorMessage: string;
  attemptCount: number;
  replayCount: number;
  firstFailedAt: string;
  lastFailedAt: string;
  status: string;
  cause: string | null;
}

export async function listDlqMessages(db: Db, query: ListDlqMessagesQuery): Promise<{ messages: DlqMessageRow[]; nextCursor: string | null }> {
  const q = listDlqMessagesQuery.parse(query);
  const after = decodeCursor(q.cursor);
  const keyset = after ? { OR: [{ lastFailedAt: { lt: after.at } }, { lastFailedAt: after.at, id: { lt: after.key } }] } : {};
  const rows = await db.dlqMessage.findMany({
    where: { AND: [dlqMessageWhere(q), keyset] },
    orderBy: [{ lastFailedAt: 'desc' }, { id: 'desc' }],
    take: q.limit + 1,
    omit: { payload: true, key: true, headers: true, errorStack: true },
  });
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    messages: page.map((r) => ({
      id: r.id, consumer: r.consumer, topic: r.topic, partition: r.partition, offset: String(r.offset), eventId: r.eventId, eventType: r.eventType,
      subject: r.subject, traceId: r.traceId, errorClass: r.errorClass, errorCode: r.errorCode, errorMessage: r.errorMessage.slice(0, 500),
      attemptCount: r.attemptCount, replayCount: Array.isArray(r.replays) ? r.replays.length : 0,
      firstFailedAt: r.firstFailedAt.toISOString(), lastFailedAt: r.lastFailedAt.toISOString(), status: r.status, cause: r.causeKey,
    })),
    nextCursor: rows.length > q.limit && last ? encodeCursor({ at: last.lastFailedAt, key: last.id }) : null,
  };
}
