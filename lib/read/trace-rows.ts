// The rows of one flow, each by an index: outbox_events by trace_id, consumer_attempts
// and dlq_messages by trace_id or event_id, consumer_inbox by its primary key, the
// newest lag sample per group by its primary key, jobs by id. Raw SQL: fixed shapes,
// bigint and uuid columns read as text.
import type { Db } from '../adapters/prisma/client';
import type { FlowAttempt, FlowDeadLetter, FlowEvent, FlowJob, FlowReplayRecord, LagFigure } from '../domain/trace/flow-types';

type EventRow = Omit<FlowEvent, 'envelope'> & { envelope: unknown };

export async function loadEvents(db: Db, traceId: string, limit: number): Promise<FlowEvent[]> {
  return db.$queryRawUnsafe<EventRow[]>(
    `SELECT event_id::text AS "eventId", position::text AS position, type, subject, trace_id AS "traceId",
            causation_id::text AS "causationId", correlation_id::text AS "correlationId", topic, partition, "offset"::text AS "offset",
            created_at AS "createdAt", published_at AS "publishedAt", publish_attempts AS "publishAttempts", last_error AS "lastError", envelope
     FROM outbox_events WHERE trace_id = $1 ORDER BY position + 0 LIMIT $2`, // + 0: by trace_id, never a walk of the primary key
    traceId,
    limit,
  );
}

export async function loadAttempts(db: Db, traceId: string, eventIds: readonly string[]): Promise<FlowAttempt[]> {
  // By trace id, and by event id for attempts recorded without one (a message decoded
  // from bytes whose envelope had another trace): both indexed, OR'd as a bitmap.
  const rows = await db.$queryRawUnsafe<Array<Omit<FlowAttempt, 'outcome'> & { outcome: string }>>(
    `SELECT id::text AS id, consumer, event_id::text AS "eventId", topic, partition, "offset"::text AS "offset", attempt, outcome::text AS outcome,
            duration_ms AS "durationMs", error_class AS "errorClass", error_message AS "errorMessage", at
     FROM consumer_attempts WHERE trace_id = $1 OR event_id = ANY($2::uuid[]) ORDER BY at, id LIMIT 5000`,
    traceId,
    eventIds,
  );
  return rows as FlowAttempt[];
}

let dlqHasReplays: boolean | undefined;

/** dlq_messages.replays ([{ jobId, at, by }]) is written by the DLQ replay; older databases have no such column. */
async function hasReplaysColumn(db: Db): Promise<boolean> {
  dlqHasReplays ??= (
    await db.$queryRawUnsafe<Array<{ n: bigint }>>(
      `SELECT count(*) AS n FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'dlq_messages' AND column_name = 'replays'`,
    )
  )[0]!.n > 0n;
  return dlqHasReplays;
}

function replaysOf(raw: unknown): FlowReplayRecord[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((r: unknown) => {
    const x = (r ?? {}) as Record<string, unknown>;
    const at = typeof x.at === 'string' ? new Date(x.at) : null;
    if (!at || Number.isNaN(at.getTime())) return [];
    return [{ jobId: typeof x.jobId === 'string' ? x.jobId : null, at, by: typeof x.by === 'string' ? x.by : null }];
  });
}

export async function loadDeadLetters(db: Db, traceId: string, eventIds: readonly string[]): Promise<FlowDeadLetter[]> {
  const replays = (await hasReplaysColumn(db)) ? 'replays' : `'[]'::jsonb`;
  const rows = await db.$queryRawUnsafe<Array<Omit<FlowDeadLetter, 'replays'> & { replays: unknown }>>(
    `SELECT id::text AS id, consumer, event_id::text AS "eventId", event_type AS "eventType", topic, partition, "offset"::text AS "offset",
            error_code AS "errorCode", error_message AS "errorMessage", attempt_count AS "attemptCount", first_failed_at AS "firstFailedAt",
            last_failed_at AS "lastFailedAt", status::text AS status, ${replays} AS replays
     FROM dlq_messages WHERE trace_id = $1 OR event_id = ANY($2::uuid[]) ORDER BY last_failed_at, id LIMIT 1000`,
    traceId,
    eventIds,
  );
  return rows.map((r) => ({ ...r, replays: replaysOf(r.replays) }));
}

export async function loadJobs(db: Db, ids: readonly string[]): Promise<FlowJob[]> {
  const valid = ids.filter((id) => /^[0-9a-f-]{36}$/i.test(id));
  if (valid.length === 0) return [];
  return db.$queryRawUnsafe<FlowJob[]>(
    `SELECT id::text AS id, kind, state::text AS state, created_by::text AS "createdBy", created_at AS "createdAt", finished_at AS "finishedAt", error
     FROM background_jobs WHERE id = ANY($1::uuid[])`,
    valid,
  );
}

export async function loadInbox(db: Db, pairs: ReadonlyArray<{ consumer: string; eventId: string }>): Promise<Set<string>> {
  if (pairs.length === 0) return new Set();
  const rows = await db.$queryRawUnsafe<Array<{ consumer: string; eventId: string }>>(
    `SELECT i.consumer, i.event_id::text AS "eventId" FROM unnest($1::text[], $2::uuid[]) AS p(consumer, event_id)
     JOIN consumer_inbox i ON i.consumer = p.consumer AND i.event_id = p.event_id`,
    pairs.map((p) => p.consumer),
    pairs.map((p) => p.eventId),
  );
  return new Set(rows.map((r) => `${r.consumer}|${r.eventId}`));
}

/** The newest lag sample of each consumer's group (written by the lag sampler). */
export async function loadLag(db: Db, groups: ReadonlyArray<{ consumer: string; group: string }>): Promise<LagFigure[]> {
  if (groups.length === 0) return [];
  return db.$queryRawUnsafe<LagFigure[]>(
    `SELECT g.consumer, s.status, s.seconds_behind AS "secondsBehind", s.at
     FROM unnest($1::text[], $2::text[]) AS g(consumer, group_id)
     CROSS JOIN LATERAL (SELECT status, seconds_behind, at FROM lag_samples WHERE group_id = g.group_id ORDER BY at DESC LIMIT 1) s`,
    groups.map((g) => g.consumer),
    groups.map((g) => g.group),
  );
}

export async function loadActiveTables(db: Db, projections: readonly string[]): Promise<Map<string, string>> {
  if (projections.length === 0) return new Map();
  const rows = await db.$queryRawUnsafe<Array<{ projection: string; table: string }>>(
    `SELECT projection, active_table AS table FROM projection_registry WHERE projection = ANY($1::text[])`,
    projections,
  );
  return new Map(rows.map((r) => [r.projection, r.table]));
}
