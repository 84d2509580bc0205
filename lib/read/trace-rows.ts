// The rows of one flow in ONE statement (one round trip): outbox_events by trace_id;
// consumer_attempts and dlq_messages by trace_id or by the flow's event ids; the inbox
// rows of the (consumer, event) pairs that should exist, by its primary key; the newest
// lag sample per group by its primary key; the replay jobs by id; the projections'
// active tables. Each CTE is an index lookup (tests/int/trace-lookup-plans.test.ts);
// each list comes back as one json column, converted here (bigints are cast to text,
// times parsed back into Dates).
import type { Db } from '../adapters/prisma/client';
import type { FlowAttempt, FlowDeadLetter, FlowEvent, FlowJob, FlowReplayRecord, LagFigure } from '../domain/trace/flow-types';

export interface FlowRows {
  events: FlowEvent[];
  attempts: FlowAttempt[];
  deadLetters: FlowDeadLetter[];
  /** `${consumer}|${eventId}` pairs with an inbox row. */
  inbox: Set<string>;
  lag: LagFigure[];
  jobs: FlowJob[];
  /** projection → its active table (projection_registry). */
  activeTables: Map<string, string>;
}

export interface FlowRowsQuery {
  traceId: string;
  /** Events beyond this are not loaded (the caller asks one more to know it cut). */
  limit: number;
  /** Which consumer handles which type: the inbox pairs to look up. */
  handles: ReadonlyArray<{ consumer: string; type: string }>;
  /** Each consumer's Kafka group (lag samples are per group). */
  groups: ReadonlyArray<{ consumer: string; group: string }>;
  projections: readonly string[];
}

// Attempts and dead letters are found by trace id, and by event id for rows recorded
// without one (a message decoded from bytes whose envelope had another trace): both
// indexed, OR'd as a bitmap; `= ANY(ARRAY(SELECT …))` keeps the event ids an index condition.
const FLOW_SQL = `
WITH ev AS MATERIALIZED (
  SELECT event_id, position, type, subject, trace_id, causation_id, correlation_id, topic, partition, "offset",
         created_at, published_at, publish_attempts, last_error, envelope
  FROM outbox_events WHERE trace_id = $1 ORDER BY position + 0 LIMIT $2 -- + 0: by trace_id, never a walk of the primary key
),
ids AS MATERIALIZED (SELECT coalesce(array_agg(event_id), '{}') AS ids FROM ev),
att AS (
  SELECT id, consumer, event_id, topic, partition, "offset", attempt, outcome, duration_ms, error_class, error_message, at
  FROM consumer_attempts WHERE trace_id = $1 OR event_id = ANY((SELECT ids FROM ids)::uuid[]) ORDER BY at, id LIMIT 5000
),
dl AS MATERIALIZED (
  SELECT id, consumer, event_id, event_type, topic, partition, "offset", error_code, error_message, attempt_count,
         first_failed_at, last_failed_at, status, replays
  FROM dlq_messages WHERE trace_id = $1 OR event_id = ANY((SELECT ids FROM ids)::uuid[]) ORDER BY last_failed_at, id LIMIT 1000
),
inbox AS (
  SELECT i.consumer, i.event_id FROM ev
  JOIN unnest($3::text[], $4::text[]) AS h(consumer, type) ON h.type = ev.type
  JOIN consumer_inbox i ON i.consumer = h.consumer AND i.event_id = ev.event_id
),
lag AS (
  SELECT g.consumer, s.status, s.seconds_behind, s.at
  FROM unnest($5::text[], $6::text[]) AS g(consumer, group_id)
  CROSS JOIN LATERAL (SELECT status, seconds_behind, at FROM lag_samples WHERE group_id = g.group_id ORDER BY at DESC LIMIT 1) s
),
jobs AS (
  SELECT id, kind, state, created_by, created_at, finished_at, error FROM background_jobs
  WHERE id = ANY(ARRAY(
    SELECT DISTINCT (r->>'jobId')::uuid FROM dl CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(dl.replays) = 'array' THEN dl.replays ELSE '[]' END) r
    WHERE jsonb_typeof(r) = 'object' AND (r->>'jobId') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'))
)
SELECT
  (SELECT json_agg(json_build_object(
     'eventId', event_id, 'position', position::text, 'type', type, 'subject', subject, 'traceId', trace_id,
     'causationId', causation_id, 'correlationId', correlation_id, 'topic', topic, 'partition', partition, 'offset', "offset"::text,
     'createdAt', created_at, 'publishedAt', published_at, 'publishAttempts', publish_attempts, 'lastError', last_error, 'envelope', envelope)
     ORDER BY position) FROM ev) AS events,
  (SELECT json_agg(json_build_object(
     'id', id::text, 'consumer', consumer, 'eventId', event_id, 'topic', topic, 'partition', partition, 'offset', "offset"::text,
     'attempt', attempt, 'outcome', outcome, 'durationMs', duration_ms, 'errorClass', error_class, 'errorMessage', error_message, 'at', at)
     ORDER BY at, id) FROM att) AS attempts,
  (SELECT json_agg(json_build_object(
     'id', id, 'consumer', consumer, 'eventId', event_id, 'eventType', event_type, 'topic', topic, 'partition', partition, 'offset', "offset"::text,
     'errorCode', error_code, 'errorMessage', error_message, 'attemptCount', attempt_count, 'firstFailedAt', first_failed_at,
     'lastFailedAt', last_failed_at, 'status', status, 'replays', replays)
     ORDER BY last_failed_at, id) FROM dl) AS dead_letters,
  (SELECT json_agg(consumer || '|' || event_id) FROM inbox) AS inbox,
  (SELECT json_agg(json_build_object('consumer', consumer, 'status', status, 'secondsBehind', seconds_behind, 'at', at)) FROM lag) AS lag,
  (SELECT json_agg(json_build_object(
     'id', id, 'kind', kind, 'state', state, 'createdBy', created_by, 'createdAt', created_at, 'finishedAt', finished_at, 'error', error)) FROM jobs) AS jobs,
  (SELECT json_agg(json_build_object('projection', projection, 'table', active_table)) FROM projection_registry WHERE projection = ANY($7::text[])) AS active_tables`;

type Json = Record<string, unknown>;
const date = (v: unknown): Date => new Date(v as string);
const dateOrNull = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as string));

function replaysOf(raw: unknown): FlowReplayRecord[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((r: unknown) => {
    const x = (r ?? {}) as Record<string, unknown>;
    const at = typeof x.at === 'string' ? new Date(x.at) : null;
    if (!at || Number.isNaN(at.getTime())) return [];
    return [{ jobId: typeof x.jobId === 'string' ? x.jobId : null, at, by: typeof x.by === 'string' ? x.by : null }];
  });
}

export async function loadFlowRows(db: Db, q: FlowRowsQuery): Promise<FlowRows> {
  const [row] = await db.$queryRawUnsafe<Array<{ events: Json[] | null; attempts: Json[] | null; dead_letters: Json[] | null; inbox: string[] | null; lag: Json[] | null; jobs: Json[] | null; active_tables: Json[] | null }>>(
    FLOW_SQL,
    q.traceId,
    q.limit,
    q.handles.map((h) => h.consumer),
    q.handles.map((h) => h.type),
    q.groups.map((g) => g.consumer),
    q.groups.map((g) => g.group),
    q.projections,
  );
  return {
    events: (row?.events ?? []).map((e) => ({ ...(e as unknown as FlowEvent), createdAt: date(e.createdAt), publishedAt: dateOrNull(e.publishedAt) })),
    attempts: (row?.attempts ?? []).map((a) => ({ ...(a as unknown as FlowAttempt), at: date(a.at) })),
    deadLetters: (row?.dead_letters ?? []).map((d) => ({
      ...(d as unknown as FlowDeadLetter),
      firstFailedAt: date(d.firstFailedAt),
      lastFailedAt: date(d.lastFailedAt),
      replays: replaysOf(d.replays),
    })),
    inbox: new Set(row?.inbox ?? []),
    lag: (row?.lag ?? []).map((l) => ({ ...(l as unknown as LagFigure), at: date(l.at) })),
    jobs: (row?.jobs ?? []).map((j) => ({ ...(j as unknown as FlowJob), createdAt: date(j.createdAt), finishedAt: dateOrNull(j.finishedAt) })),
    activeTables: new Map((row?.active_tables ?? []).map((t) => [t.projection as string, t.table as string])),
  };
}
