// One flow's timeline (the Traces page and GET /api/traces/{traceId}): one statement
// (lib/read/trace-rows.ts) of index lookups by trace id, event ids, DLQ ids or consumer
// group, bounded by MAX_EVENTS; the timeline itself is put together by lib/domain/trace (pure).
import type { Db } from '../adapters/prisma/client';
import { traceIdSchema } from '../domain/events/envelope';
import { buildTimeline } from '../domain/trace/build-timeline';
import type { FlowInput, Timeline } from '../domain/trace/flow-types';
import { AppError } from '../errors';
import { demoTraceCatalog, type TraceCatalog } from './trace-catalog';
import { tracingUiUrl } from '../domain/trace/tracing-ui-url';
import { loadFlowRows } from './trace-rows';

/** A flow bigger than this is cut (and says so): a timeline is for reading, not for bulk export. */
export const MAX_EVENTS = 500;

export type TraceTimeline = Timeline & { truncated: boolean };

export async function getTraceTimeline(db: Db, catalog: TraceCatalog, traceId: string): Promise<TraceTimeline> {
  const parsed = traceIdSchema.safeParse(traceId.toLowerCase());
  if (!parsed.success) throw new AppError('bad_request', 'A trace id is 32 hexadecimal digits.');
  const id = parsed.data;
  const rows = await loadFlowRows(db, {
    traceId: id,
    limit: MAX_EVENTS + 1,
    handles: catalog.consumers.flatMap((c) => c.handles.map((type) => ({ consumer: c.name, type }))),
    groups: catalog.consumers.map((c) => ({ consumer: c.name, group: catalog.groupOf(c.name) })),
    projections: catalog.consumers.filter((c) => c.projection).map((c) => c.name),
  });
  const { events, attempts, deadLetters, activeTables, inbox, lag, jobs } = rows;
  const truncated = events.length > MAX_EVENTS;
  if (truncated) events.length = MAX_EVENTS;
  if (events.length === 0 && attempts.length === 0 && deadLetters.length === 0) throw new AppError('not_found', `Nothing is recorded for trace ${id}.`);
  // A rebuilt projection writes to its new table: show the row where it lives now.
  const consumers = catalog.consumers.map((c) => (c.projection && activeTables.has(c.name) ? { ...c, projection: { ...c.projection, table: activeTables.get(c.name)! } } : c));
  const input: FlowInput = { traceId: id, events, attempts, deadLetters, jobs, consumers, inbox, lag, isReplayTopic: catalog.isReplayTopic };
  return { ...buildTimeline(input), truncated };
}

/** The timeline page and GET /api/traces/{traceId}: the timeline plus the configured tracing UI link. */
export async function getTraceView(
  db: Db,
  config: { groupPrefix: string; tracingUiUrlTemplate?: string },
  traceId: string,
): Promise<TraceTimeline & { tracingUiUrl: string | null }> {
  const timeline = await getTraceTimeline(db, demoTraceCatalog(config.groupPrefix), traceId);
  return { ...timeline, tracingUiUrl: tracingUiUrl(config.tracingUiUrlTemplate, timeline.traceId) };
}
