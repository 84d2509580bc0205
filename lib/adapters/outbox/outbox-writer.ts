// Writes events to the transactional outbox inside the caller's transaction,
// together with the state change they describe. Nothing is sent to Kafka here:
// the relay publishes after commit. A NOTIFY (delivered at commit) wakes it.
import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { Prisma } from '../prisma/client';
import { buildEnvelope, type EventEnvelope, type NewEvent } from '../../domain/events/envelope';
import { formatTraceparent, newTraceContext, parseTraceparent, type TraceContext } from '../../domain/events/trace-context';
import { laneOf } from '../../domain/lanes';
import { activeTraceContext, inSpan, SpanKind } from '../otel/tracing';
import type { OutboxGroup } from '../../backbone/ports';

export const OUTBOX_CHANNEL = 'signalbox_outbox';

export interface OutboxWriterOptions {
  source: string;
  topicFor: (eventType: string) => string;
  now?: () => Date;
  newId?: () => string;
}

export interface AppendOptions {
  /** Continue this trace (e.g. the traceparent of the event being handled). */
  traceparent?: string;
}

export type OutboxWriter = ReturnType<typeof createOutboxWriter>;

const randomHex = (bytes: number) => randomBytes(bytes).toString('hex');

export function createOutboxWriter(options: OutboxWriterOptions) {
  const now = options.now ?? (() => new Date());
  const newId = options.newId ?? (() => uuidv7());

  /** Envelopes for one group, continuing `active` if given, else the group's traceparent, else a new trace. */
  function envelopesOf(group: OutboxGroup, time: Date, active: TraceContext | null): EventEnvelope[] {
    const parent: TraceContext = active ?? parseTraceparent(group.traceparent) ?? newTraceContext(randomHex);
    return group.events.map((event) => buildEnvelope(event, { id: newId(), time, source: options.source, traceId: parent.traceId, traceparent: formatTraceparent(parent) }));
  }

  /** Several groups of facts, each continuing its own trace, in one INSERT (and one NOTIFY). */
  async function appendGroups(tx: Prisma.TransactionClient, groups: readonly OutboxGroup[]): Promise<EventEnvelope[]> {
    const count = groups.reduce((n, g) => n + g.events.length, 0);
    if (count === 0) return [];
    const outer = activeTraceContext();
    return inSpan('outbox.write', { kind: SpanKind.PRODUCER, attributes: { 'messaging.batch.message_count': count } }, async () => {
      const time = now();
      // One group continues the active trace (this write's span, when tracing is on); each of
      // several continues its own traceparent (a consumer's batch: one trace per event handled).
      const single = groups.length === 1;
      const envelopes = groups.flatMap((group) => envelopesOf(group, time, single ? activeTraceContext() : group.traceparent ? null : outer));
      // One multi-row INSERT over arrays (Prisma's createMany is several times slower here),
      // with a NOTIFY (in the same statement: one round trip) that PostgreSQL delivers at commit.
      const col = <T>(f: (e: EventEnvelope) => T) => envelopes.map(f);
      await tx.$executeRaw`
        WITH wake AS (SELECT pg_notify(${OUTBOX_CHANNEL}, ''))
        INSERT INTO outbox_events (event_id, type, version, source, subject, lane, trace_id, traceparent,
                                   causation_id, correlation_id, topic, envelope, occurred_at)
        SELECT u.* FROM unnest(${col((e) => e.id)}::uuid[], ${col((e) => e.type)}::text[], ${col((e) => e.version)}::int[],
                             ${col((e) => e.source)}::text[], ${col((e) => e.subject)}::text[], ${col((e) => laneOf(e.subject))}::smallint[],
                             ${col((e) => e.trace_id)}::text[], ${col((e) => e.traceparent)}::text[], ${col((e) => e.causation_id)}::uuid[],
                             ${col((e) => e.correlation_id)}::uuid[], ${col((e) => options.topicFor(e.type))}::text[],
                             ${col((e) => JSON.stringify(e))}::jsonb[], ${col(() => time)}::timestamptz[]) AS u
        CROSS JOIN wake`;
      return envelopes;
    });
  }

  function append(tx: Prisma.TransactionClient, events: readonly NewEvent[], appendOptions: AppendOptions = {}): Promise<EventEnvelope[]> {
    return appendGroups(tx, [{ events, traceparent: appendOptions.traceparent }]);
  }

  return { append, appendGroups };
}
