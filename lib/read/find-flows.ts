// The header search: what was pasted, and which flows (trace ids) it leads to.
// One statement of index lookups, one per reading of the input (a UUID can be an
// event id, a DLQ row id, a correlation id or an order id); never a scan.
import type { Db } from '../adapters/prisma/client';
import { recogniseId, type IdKind, type RecognisedId } from '../domain/trace/recognise-id';

/** More flows than this for one id (a busy subject): the newest are shown. */
export const MAX_FLOWS = 20;

export interface FlowMatch {
  traceId: string;
  matchedAs: IdKind[];
  firstType: string | null;
  subject: string | null;
  startedAt: Date | null;
}

/** A dead letter with no trace id (undecodable bytes with no traceparent): it is its own "flow". */
export interface UntracedDeadLetter {
  dlqId: string;
  consumer: string;
  errorCode: string;
  lastFailedAt: Date;
}

export interface FoundFlows {
  query: string | null;
  shape: RecognisedId['shape'];
  flows: FlowMatch[];
  untraced: UntracedDeadLetter[];
}

export async function findFlows(db: Db, q: string): Promise<FoundFlows> {
  const id = recogniseId(q);
  const found: FoundFlows = { query: id.query, shape: id.shape, flows: [], untraced: [] };
  if (id.candidates.length === 0) return found;
  const value = (kind: IdKind) => id.candidates.find((c) => c.kind === kind)?.value ?? null;
  const rows = await db.$queryRawUnsafe<Array<{ kind: IdKind; trace_id: string | null; dlq_id: string | null; consumer: string | null; error_code: string | null; at: Date | null }>>(
    `WITH hits AS (
       (SELECT 'trace' AS kind, trace_id, NULL::uuid AS dlq_id FROM outbox_events WHERE trace_id = $1 LIMIT 1)
       UNION ALL (SELECT 'trace', trace_id, id FROM dlq_messages WHERE trace_id = $1 LIMIT 1)
       UNION ALL (SELECT 'trace', trace_id, NULL FROM consumer_attempts WHERE trace_id = $1 LIMIT 1)
       UNION ALL (SELECT 'event', trace_id, NULL FROM outbox_events WHERE event_id = $2::uuid)
       UNION ALL (SELECT 'event', trace_id, id FROM dlq_messages WHERE event_id = $2::uuid LIMIT ${MAX_FLOWS})
       UNION ALL (SELECT 'dlq', trace_id, id FROM dlq_messages WHERE id = $3::uuid)
       UNION ALL (SELECT 'correlation', trace_id, NULL FROM outbox_events WHERE correlation_id = $4::uuid ORDER BY position + 0 DESC LIMIT 200)
       UNION ALL (SELECT 'subject', trace_id, NULL FROM outbox_events WHERE subject = $5 ORDER BY position DESC LIMIT 200)
       UNION ALL (SELECT 'subject', trace_id, id FROM dlq_messages WHERE subject = $5 LIMIT ${MAX_FLOWS})
     )
     SELECT h.kind, h.trace_id, h.dlq_id::text AS dlq_id, d.consumer, d.error_code, d.last_failed_at AS at
     FROM hits h LEFT JOIN dlq_messages d ON d.id = h.dlq_id AND h.trace_id IS NULL`,
    value('trace'),
    value('event'),
    value('dlq'),
    value('correlation'),
    value('subject'),
  );
  const byTrace = new Map<string, Set<IdKind>>();
  for (const r of rows) {
    if (r.trace_id) byTrace.set(r.trace_id, (byTrace.get(r.trace_id) ?? new Set()).add(r.kind));
    else if (r.dlq_id && r.consumer && !found.untraced.some((u) => u.dlqId === r.dlq_id)) {
      found.untraced.push({ dlqId: r.dlq_id, consumer: r.consumer, errorCode: r.error_code ?? '', lastFailedAt: r.at! });
    }
  }
  found.flows = await summarise(db, [...byTrace].slice(0, MAX_FLOWS));
  return found;
}

/** First outbox event of each flow (its command), newest flow first. */
// trace_id is char(32): the ids are unnested as char(32), or the comparison casts the column to text and
// cannot use its index. `position + 0`: ordered by the bare primary key with a LIMIT, the planner may walk the whole
// log backwards filtering on trace_id; a flow has a handful of rows, so fetch them by trace_id and sort.
async function summarise(db: Db, traces: Array<[string, Set<IdKind>]>): Promise<FlowMatch[]> {
  if (traces.length === 0) return [];
  const firsts = await db.$queryRawUnsafe<Array<{ trace_id: string; type: string | null; subject: string | null; at: Date | null }>>(
    `SELECT t.trace_id, f.type, f.subject, f.created_at AS at FROM unnest($1::char(32)[]) AS t(trace_id)
     LEFT JOIN LATERAL (SELECT type, subject, created_at FROM outbox_events WHERE trace_id = t.trace_id ORDER BY position + 0 LIMIT 1) f ON true`,
    traces.map(([t]) => t),
  );
  const first = new Map(firsts.map((f) => [f.trace_id, f]));
  return traces
    .map(([traceId, kinds]) => {
      const f = first.get(traceId);
      return { traceId, matchedAs: [...kinds], firstType: f?.type ?? null, subject: f?.subject ?? null, startedAt: f?.at ?? null };
    })
    .sort((a, b) => (b.startedAt?.getTime() ?? 0) - (a.startedAt?.getTime() ?? 0));
}
