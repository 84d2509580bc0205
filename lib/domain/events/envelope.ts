// The event envelope: CloudEvents-1.0-shaped JSON. Events are facts (past-tense
// types such as `orders.OrderPlaced`); `subject` is the aggregate id and the Kafka key.
import { z } from 'zod';

export const ENVELOPE_SPEC_VERSION = '1.0';

const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a UUID');
export const traceIdSchema = z.string().regex(/^[0-9a-f]{32}$/, 'must be 32 lowercase hex digits').refine((v) => !/^0+$/.test(v), 'must not be all zeros');
export const traceparentSchema = z.string().regex(/^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/, 'must be a W3C traceparent');

/** The envelope as read off the wire, before `data` is checked against its type's schema. */
export const wireEnvelopeSchema = z.object({
  specversion: z.literal(ENVELOPE_SPEC_VERSION).optional(),
  id: uuid,
  type: z.string().regex(/^[a-z][a-z0-9-]*\.[A-Z][A-Za-z0-9]{1,80}$/, 'must look like domain.PastTenseFact'),
  version: z.number().int().min(1).max(1000),
  time: z.string().datetime({ offset: true, message: 'must be an RFC 3339 time' }),
  source: z.string().min(1).max(200),
  subject: z.string().min(1).max(200),
  datacontenttype: z.literal('application/json').optional(),
  trace_id: traceIdSchema.optional(),
  traceparent: traceparentSchema.optional(),
  causation_id: uuid.nullish(),
  correlation_id: uuid.nullish(),
  data: z.unknown(),
});
export type WireEnvelope = z.infer<typeof wireEnvelopeSchema>;

export interface EventEnvelope<T = unknown> {
  specversion: typeof ENVELOPE_SPEC_VERSION;
  id: string;
  type: string;
  version: number;
  time: string;
  source: string;
  subject: string;
  datacontenttype: 'application/json';
  trace_id: string;
  traceparent: string;
  causation_id: string | null;
  correlation_id: string | null;
  data: T;
}

/** What a caller supplies to record a fact; ids, time and trace context come from outside (no clocks here). */
export interface NewEvent<T = unknown> {
  type: string;
  version: number;
  subject: string;
  data: T;
  causationId?: string | null;
  correlationId?: string | null;
}

export interface EnvelopeContext {
  id: string;
  time: Date;
  source: string;
  traceId: string;
  traceparent: string;
}

export function buildEnvelope<T>(event: NewEvent<T>, ctx: EnvelopeContext): EventEnvelope<T> {
  return {
    specversion: ENVELOPE_SPEC_VERSION,
    id: ctx.id,
    type: event.type,
    version: event.version,
    time: ctx.time.toISOString(),
    source: ctx.source,
    subject: event.subject,
    datacontenttype: 'application/json',
    trace_id: ctx.traceId,
    traceparent: ctx.traceparent,
    causation_id: event.causationId ?? null,
    correlation_id: event.correlationId ?? event.causationId ?? null,
    data: event.data,
  };
}
