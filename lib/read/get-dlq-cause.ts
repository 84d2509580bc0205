// One failure group: what it is, per-consumer counts, the trend (hourly, 7 days),
// its messages (a page, filterable by consumer and status) and the replay jobs on it.
import type { Db } from '../adapters/prisma/client';
import { isCauseKey } from '../domain/dlq/cause';
import { AppError } from '../errors';
import { listDlqCauses, type DlqCauseRow } from './list-dlq-causes';
import { listDlqMessages, type DlqMessageRow, type ListDlqMessagesQuery } from './list-dlq-messages';

export interface DlqCauseView {
  cause: DlqCauseRow;
  noteBy: string | null;
  noteAt: string | null;
  /** New dead letters per hour over 7 days, oldest first (168 points). */
  trendWeek: number[];
  messages: DlqMessageRow[];
  nextCursor: string | null;
  /** Replay jobs of this group that are not finished (queued, running, paused, waiting for approval). */
  activeReplays: { consumer: string; jobId: string }[];
}

export async function getDlqCause(db: Db, cause: string, query: Omit<ListDlqMessagesQuery, 'cause'>, now: Date): Promise<DlqCauseView> {
  if (!isCauseKey(cause)) throw new AppError('bad_request', 'A cause key is 24 hex characters.');
  const [{ causes }, extra, week, page, replays] = await Promise.all([
    listDlqCauses(db, { cause, limit: 1 }, now),
    db.dlqCause.findUnique({ where: { causeKey: cause }, select: { noteBy: true, noteAt: true } }),
    db.$queryRawUnsafe<{ failures: number }[]>(
      `SELECT coalesce(h.failures, 0)::int AS failures
         FROM generate_series(date_trunc('hour', $2::timestamptz) - interval '167 hours', date_trunc('hour', $2::timestamptz), interval '1 hour') AS s(hour)
         LEFT JOIN dlq_cause_hours h ON h.cause_key = $1 AND h.hour = s.hour
               AND h.hour >= date_trunc('hour', $2::timestamptz) - interval '167 hours' ORDER BY s.hour`,
      cause, now),
    listDlqMessages(db, { ...query, cause }),
    db.backgroundJob.findMany({
      where: { kind: 'dlq.replay', state: { in: ['queued', 'running', 'paused', 'cancelling'] }, params: { path: ['selection', 'cause'], equals: cause } },
      orderBy: { createdAt: 'asc' },
      select: { id: true, params: true },
    }),
  ]);
  const row = causes[0];
  if (!row) throw new AppError('not_found', `No failure group ${cause}.`);
  return {
    cause: row, noteBy: extra?.noteBy ?? null, noteAt: extra?.noteAt?.toISOString() ?? null,
    trendWeek: week.map((w) => w.failures), messages: page.messages, nextCursor: page.nextCursor,
    activeReplays: replays.map((j) => ({ consumer: (j.params as { consumer: string }).consumer, jobId: j.id })),
  };
}
