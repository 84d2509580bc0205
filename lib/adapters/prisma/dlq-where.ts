// The one place a DLQ filter becomes a query on dlq_messages (Prisma where), shared
// by the reads, the CSV export, the replay preview and the replay job, so what an
// operator previewed is what is replayed.
import type { Prisma } from './client';
import type { DlqFilter } from '../../domain/dlq/selection';

export function dlqMessageWhere(filter: DlqFilter, ids?: readonly string[]): Prisma.DlqMessageWhereInput {
  const and: Prisma.DlqMessageWhereInput[] = [];
  if (ids) and.push({ id: { in: [...ids] } });
  if (filter.consumer) and.push({ consumer: filter.consumer });
  if (filter.eventType) and.push({ eventType: filter.eventType });
  if (filter.status) and.push({ status: filter.status });
  if (filter.cause) and.push({ causeKey: filter.cause });
  if (filter.traceId) and.push({ traceId: filter.traceId });
  if (filter.subject) and.push({ subject: filter.subject });
  if (filter.from) and.push({ lastFailedAt: { gte: filter.from } });
  if (filter.to) and.push({ firstFailedAt: { lte: filter.to } });
  if (filter.q) and.push({ OR: [{ errorMessage: { contains: filter.q, mode: 'insensitive' } }, { errorClass: { contains: filter.q, mode: 'insensitive' } }] });
  return and.length ? { AND: and } : {};
}

export interface Coordinates {
  topic: string;
  partition: number;
  offset: string;
}

/** Rows after `after` in original order (topic, partition, offset): a subject's events keep their order. */
export function afterCoordinates(after: Coordinates | null): Prisma.DlqMessageWhereInput {
  if (!after) return {};
  const offset = BigInt(after.offset);
  return {
    OR: [
      { topic: { gt: after.topic } },
      { topic: after.topic, partition: { gt: after.partition } },
      { topic: after.topic, partition: after.partition, offset: { gt: offset } },
    ],
  };
}

export const originalOrder: Prisma.DlqMessageOrderByWithRelationInput[] = [{ topic: 'asc' }, { partition: 'asc' }, { offset: 'asc' }];
