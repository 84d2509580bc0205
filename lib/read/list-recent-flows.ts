// The Traces page without a search: what needs attention first (open dead letters,
// failing attempts, events stuck unpublished), then recent flows newest first, keyset
// by log position. Every query walks an index from its newest end and stops at a limit.
import { z } from 'zod';
import type { Db } from '../adapters/prisma/client';
import { AppError } from '../errors';

export const recentFlowsQuerySchema = z.object({
  /** Opaque cursor from the previous page's `next`. */
  after: z.string().max(40).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});
export type RecentFlowsQuery = z.input<typeof recentFlowsQuerySchema>;

/** An event still unpublished after this long is "stuck". */
export const STUCK_AFTER_SECONDS = 30;

export interface AttentionItem {
  kind: 'dead-lettered' | 'retrying' | 'unpublished';
  traceId: string | null;
  consumer: string | null;
  dlqId: string | null;
  reason: string;
  at: Date;
}

export interface RecentFlow {
  traceId: string;
  firstType: string;
  subject: string;
  startedAt: Date;
  failedAttempts: number;
  openDeadLetters: number;
}

export interface RecentFlows {
  attention: AttentionItem[];
  flows: RecentFlow[];
  next: string | null;
}

const encode = (position: string) => Buffer.from(`p${position}`).toString('base64url');
function decode(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^p\d{1,19}$/.test(text)) throw new AppError('bad_request', 'invalid cursor');
  return text.slice(1);
}

async function attention(db: Db, now: Date): Promise<AttentionItem[]> {
  const rows = await db.$queryRawUnsafe<Array<Omit<AttentionItem, 'reason'> & { detail: string | null }>>(
    `(SELECT 'dead-lettered' AS kind, trace_id AS "traceId", consumer, id::text AS "dlqId", error_code AS detail, last_failed_at AS at
      FROM dlq_messages WHERE status IN ('open', 'replaying') ORDER BY last_failed_at DESC, id DESC LIMIT 10)
     UNION ALL
     (SELECT CASE outcome WHEN 'retry' THEN 'retrying' ELSE 'dead-lettered' END, trace_id, consumer, NULL,
             coalesce(error_class, 'error') || ' (attempt ' || attempt || ')', at
      FROM consumer_attempts WHERE outcome IN ('retry', 'dead_lettered') ORDER BY at DESC, id DESC LIMIT 10)
     UNION ALL
     (SELECT 'unpublished', trace_id, NULL, NULL, publish_attempts || ' publish attempts', created_at
      FROM outbox_events WHERE published_at IS NULL AND created_at < $1 ORDER BY lane, position LIMIT 10)`,
    new Date(now.getTime() - STUCK_AFTER_SECONDS * 1000),
  );
  // A dead-lettered attempt and its DLQ row are one item (the row, which links to the message);
  // several failures of one consumer in one flow are one item too.
  const keyOf = (r: (typeof rows)[number]) => `${r.kind}|${r.traceId}|${r.consumer}`;
  const withRow = new Set(rows.filter((r) => r.dlqId).map(keyOf));
  const seen = new Set<string>();
  return rows
    .filter((r) => {
      if (r.kind === 'unpublished') return true;
      const key = keyOf(r);
      if ((!r.dlqId && withRow.has(key)) || seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map(({ detail, ...r }) => ({
      ...r,
      reason: r.kind === 'dead-lettered' ? `dead-lettered by ${r.consumer}: ${detail}` : r.kind === 'retrying' ? `retrying in ${r.consumer}: ${detail}` : `not yet published (${detail})`,
    }))
    .sort((a, b) => b.at.getTime() - a.at.getTime());
}

export async function listRecentFlows(db: Db, query: RecentFlowsQuery, now: Date): Promise<RecentFlows> {
  const { after, limit } = recentFlowsQuerySchema.parse(query);
  const before = after ? decode(after) : null;
  // A flow starts with an event no other event caused: the command's.
  // The needs-attention list does not depend on the page: read at the same time (first page only).
  const [roots, attentionItems] = await Promise.all([
    db.$queryRawUnsafe<Array<{ position: string; traceId: string; firstType: string; subject: string; startedAt: Date }>>(
      `SELECT position::text AS position, trace_id AS "traceId", type AS "firstType", subject, created_at AS "startedAt"
       FROM outbox_events WHERE causation_id IS NULL AND ($1::bigint IS NULL OR position < $1::bigint) ORDER BY position DESC LIMIT $2`,
      before,
      limit + 1,
    ),
    before ? Promise.resolve([]) : attention(db, now),
  ]);
  const page = roots.slice(0, limit);
  const traces = [...new Set(page.map((r) => r.traceId))];
  const counts = traces.length
    ? await db.$queryRawUnsafe<Array<{ traceId: string; failed: bigint; open: bigint }>>(
        `SELECT t.trace_id AS "traceId",
                (SELECT count(*) FROM consumer_attempts a WHERE a.trace_id = t.trace_id AND a.outcome IN ('retry', 'dead_lettered')) AS failed,
                (SELECT count(*) FROM dlq_messages d WHERE d.trace_id = t.trace_id AND d.status IN ('open', 'replaying')) AS open
         FROM unnest($1::char(32)[]) AS t(trace_id)`,
        traces,
      )
    : [];
  const byTrace = new Map(counts.map((c) => [c.traceId, c]));
  const seen = new Set<string>();
  const flows = page.flatMap((r) => {
    if (seen.has(r.traceId)) return []; // a command that wrote several events is one flow
    seen.add(r.traceId);
    const c = byTrace.get(r.traceId);
    return [{ traceId: r.traceId, firstType: r.firstType, subject: r.subject, startedAt: r.startedAt, failedAttempts: Number(c?.failed ?? 0), openDeadLetters: Number(c?.open ?? 0) }];
  });
  // Failures first: flows with a failure or an open dead letter lead the page.
  flows.sort((a, b) => Number(b.failedAttempts + b.openDeadLetters > 0) - Number(a.failedAttempts + a.openDeadLetters > 0));
  const last = page.at(-1);
  return { attention: attentionItems, flows, next: roots.length > limit && last ? encode(last.position) : null };
}
