// The DLQ page: failure groups by cause, newest failure first, keyset-paginated over
// dlq_causes (counts kept by the write path; no GROUP BY over dlq_messages). Trace id
// and subject filters look the causes up through indexed dlq_messages columns.
import type { z } from 'zod';
import type { Db } from '../adapters/prisma/client';
import { dlqFilterSchema, type DlqFilter } from '../domain/dlq/selection';
import { decodeCursor, encodeCursor, pageParams } from './dlq-cursor';

export const listDlqCausesQuery = dlqFilterSchema.extend(pageParams(200));
export type ListDlqCausesQuery = z.input<typeof listDlqCausesQuery>;

export interface DlqCauseRow {
  cause: string;
  errorClass: string;
  message: string;
  frame: string;
  firstSeenAt: string;
  lastSeenAt: string;
  openCount: number;
  totalCount: number;
  eventTypes: string[];
  consumers: { consumer: string; open: number; total: number }[];
  /** New dead letters per hour, the last 24 hours, oldest first. */
  trend: number[];
  note: string | null;
}

interface Raw {
  cause_key: string; error_class: string; message: string; frame: string; first_seen_at: Date; last_seen_at: Date;
  open_count: number; total_count: number; event_types: string[] | null; note: string | null;
  consumers: { consumer: string; open: number; total: number }[] | null; trend: number[] | null;
}

export function causeWhere(filter: DlqFilter, values: unknown[]): string[] {
  const where: string[] = [];
  const p = (v: unknown) => (values.push(v), `$${values.length}`);
  if (filter.cause) where.push(`c.cause_key = ${p(filter.cause)}`);
  if (filter.status === 'open') where.push('c.open_count > 0');
  else if (filter.status === 'resolved') where.push('c.open_count = 0');
  else if (filter.status) where.push(`EXISTS (SELECT 1 FROM dlq_messages m WHERE m.cause_key = c.cause_key AND m.status = ${p(filter.status)}::"DlqStatus")`);
  if (filter.consumer) where.push(`EXISTS (SELECT 1 FROM dlq_cause_consumers cc WHERE cc.cause_key = c.cause_key AND cc.consumer = ${p(filter.consumer)})`);
  if (filter.eventType) where.push(`${p(filter.eventType)} = ANY (c.event_types)`);
  if (filter.q) {
    const like = p(`%${filter.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`);
    where.push(`(c.error_class ILIKE ${like} OR c.message ILIKE ${like} OR c.note ILIKE ${like})`);
  }
  if (filter.from) where.push(`c.last_seen_at >= ${p(filter.from)}`);
  if (filter.to) where.push(`c.first_seen_at <= ${p(filter.to)}`);
  if (filter.traceId) where.push(`c.cause_key IN (SELECT m.cause_key FROM dlq_messages m WHERE m.trace_id = ${p(filter.traceId)})`);
  if (filter.subject) where.push(`c.cause_key IN (SELECT m.cause_key FROM dlq_messages m WHERE m.subject = ${p(filter.subject)})`);
  return where;
}

export async function listDlqCauses(db: Db, query: ListDlqCausesQuery, now: Date): Promise<{ causes: DlqCauseRow[]; nextCursor: string | null }> {
  const q = listDlqCausesQuery.parse(query);
  const values: unknown[] = [now];
  const where = causeWhere(q, values);
  const after = decodeCursor(q.cursor);
  if (after) {
    values.push(after.at, after.key);
    where.push(`(c.last_seen_at, c.cause_key) < ($${values.length - 1}, $${values.length})`);
  }
  values.push(q.limit + 1);
  const rows = await db.$queryRawUnsafe<Raw[]>(
    `SELECT c.cause_key, c.error_class, c.message, c.frame, c.first_seen_at, c.last_seen_at, c.open_count, c.total_count, c.event_types, c.note,
        (SELECT json_agg(json_build_object('consumer', cc.consumer, 'open', cc.open_count, 'total', cc.total_count) ORDER BY cc.open_count DESC, cc.consumer)
           FROM dlq_cause_consumers cc WHERE cc.cause_key = c.cause_key) AS consumers,
        (SELECT array_agg(coalesce(h.failures, 0) ORDER BY s.hour)
           FROM generate_series(date_trunc('hour', $1::timestamptz) - interval '23 hours', date_trunc('hour', $1::timestamptz), interval '1 hour') AS s(hour)
           LEFT JOIN dlq_cause_hours h ON h.cause_key = c.cause_key AND h.hour = s.hour
                 AND h.hour >= date_trunc('hour', $1::timestamptz) - interval '23 hours') AS trend
       FROM dlq_causes c
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY c.last_seen_at DESC, c.cause_key DESC
      LIMIT $${values.length}`,
    ...values,
  );
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    causes: page.map(toRow),
    nextCursor: rows.length > q.limit && last ? encodeCursor({ at: last.last_seen_at, key: last.cause_key }) : null,
  };
}

export function toRow(r: Raw): DlqCauseRow {
  return {
    cause: r.cause_key, errorClass: r.error_class, message: r.message, frame: r.frame,
    firstSeenAt: r.first_seen_at.toISOString(), lastSeenAt: r.last_seen_at.toISOString(),
    openCount: r.open_count, totalCount: r.total_count, eventTypes: r.event_types ?? [], consumers: r.consumers ?? [],
    trend: (r.trend ?? []).map(Number), note: r.note,
  };
}
