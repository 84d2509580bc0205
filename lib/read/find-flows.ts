// The header search: what was pasted, and which flows (trace ids) it leads to.
// One statement of index lookups, one per reading of the input (a UUID can be an
// event id, a DLQ row id, a correlation id or an order id), and the flows' first events; never a scan.
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
  // One round trip: the hits, grouped by flow, each flow with its first outbox event (its
  // command), newest MAX_FLOWS first; dead letters without a trace come back as rows of their own.
  const rows = await db.$queryRawUnsafe<
    Array<{ trace_id: string | null; kinds: IdKind[] | null; type: string | null; subject: string | null; dlq_id: string | null; consumer: string | null; error_code: string | null; at: Date | null }>
  >(
    `WITH hits AS MATERIALIZED (
       (SELECT 'trace' AS kind, trace_id, NULL::uuid AS dlq_id FROM outbox_events WHERE trace_id = $1 LIMIT 1)
       UNION ALL (SELECT 'trace', trace_id, id FROM dlq_messages WHERE trace_id = $1 LIMIT 1)
       UNION ALL (SELECT 'trace', trace_id, NULL FROM consumer_attempts WHERE trace_id = $1 LIMIT 1)
       UNION ALL (SELECT 'event', trace_id, NULL FROM outbox_events WHERE event_id = $2::uuid)
       UNION ALL (SELECT 'event', trace_id, id FROM dlq_messages WHERE event_id = $2::uuid LIMIT ${MAX_FLOWS})
       UNION ALL (SELECT 'dlq', trace_id, id FROM dlq_messages WHERE id = $3::uuid)
       UNION ALL (SELECT 'correlation', trace_id, NULL FROM outbox_events WHERE correlation_id = $4::uuid ORDER BY position + 0 DESC LIMIT 200)
       UNION ALL (SELECT 'subject', trace_id, NULL FROM outbox_events WHERE subject = $5 ORDER BY position DESC LIMIT 200)
       UNION ALL (SELECT 'subject', trace_id, id FROM dlq_messages WHERE subject = $5 LIMIT ${MAX_FLOWS})
     ),
     flows AS (SELECT trace_id, array_agg(DISTINCT kind) AS kinds FROM hits WHERE trace_id IS NOT NULL GROUP BY trace_id)
     (SELECT f.trace_id, f.kinds, e.type, e.subject, NULL AS dlq_id, NULL AS consumer, NULL AS error_code, e.created_at AS at
      FROM flows f
      -- position + 0: ordered by the bare primary key with a LIMIT, the planner may walk the whole log
      -- backwards filtering on trace_id; a flow has a handful of rows, so fetch them by trace_id and sort.
      LEFT JOIN LATERAL (SELECT type, subject, created_at FROM outbox_events WHERE trace_id = f.trace_id ORDER BY position + 0 LIMIT 1) e ON true
      ORDER BY e.created_at DESC NULLS LAST LIMIT ${MAX_FLOWS})
     UNION ALL
     (SELECT DISTINCT NULL::char(32), NULL::text[], NULL::text, NULL::text, d.id::text, d.consumer, d.error_code, d.last_failed_at
      FROM hits h JOIN dlq_messages d ON d.id = h.dlq_id WHERE h.trace_id IS NULL)`,
    value('trace'),
    value('event'),
    value('dlq'),
    value('correlation'),
    value('subject'),
  );
  for (const r of rows) {
    if (r.trace_id) found.flows.push({ traceId: r.trace_id, matchedAs: r.kinds ?? [], firstType: r.type, subject: r.subject, startedAt: r.at });
    else if (r.dlq_id && r.consumer) found.untraced.push({ dlqId: r.dlq_id, consumer: r.consumer, errorCode: r.error_code ?? '', lastFailedAt: r.at! });
  }
  return found;
}
