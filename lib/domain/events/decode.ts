// Turns the raw bytes of a Kafka message into a checked, upcast envelope, or a
// classified, non-retryable error. Never throws for bad input: every malformed
// message has a defined outcome (the consumer dead-letters it with the reason).
import { AppError } from '../../errors';
import { wireEnvelopeSchema, type EventEnvelope, type WireEnvelope, ENVELOPE_SPEC_VERSION } from './envelope';
import { parseTraceparent, formatTraceparent, type TraceContext } from './trace-context';
import type { EventMap, EventOf, EventRegistry, EventVersionDefinition } from './registry';

export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

export interface RawMessage {
  value: Uint8Array | null;
  headers: Record<string, string | undefined>;
}

export interface DecodeOptions {
  maxBytes?: number;
  /** A fresh trace context, for messages that arrive with none (e.g. from a foreign producer). */
  newTrace: () => TraceContext;
}

export type DecodeResult<E extends EventEnvelope = EventEnvelope> =
  | { ok: true; envelope: E; upcastFrom: number | null; traceAssigned: boolean }
  | { ok: false; error: AppError; partial: { id?: string; type?: string; version?: number; subject?: string; traceId?: string } };

const utf8 = new TextDecoder('utf-8', { fatal: true });

function fail(error: AppError, partial: Extract<DecodeResult, { ok: false }>['partial'] = {}): Extract<DecodeResult, { ok: false }> {
  return { ok: false, error, partial };
}

type Failure = Extract<DecodeResult, { ok: false }>;
type PartialEnvelope = Failure['partial'];

/** Bytes → JSON value, or why not (empty, too large, not UTF-8, not JSON). */
function parseJson(value: Uint8Array | null, maxBytes: number): { json: unknown } | Failure {
  if (!value || value.byteLength === 0) return fail(new AppError('undecodable', 'Message has no payload (null or empty value).'));
  if (value.byteLength > maxBytes) return fail(new AppError('oversized', `Payload is ${value.byteLength} bytes; the limit is ${maxBytes}.`));
  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    return fail(new AppError('undecodable', 'Payload is not valid UTF-8.'));
  }
  try {
    return { json: JSON.parse(text) };
  } catch (error) {
    return fail(new AppError('undecodable', `Payload is not valid JSON: ${(error as Error).message}`));
  }
}

/** What can be read of an envelope that may be invalid, for the dead letter. */
function partialOf(json: unknown): PartialEnvelope {
  const candidate = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
  // Stored in the dead letter's columns: text without NUL (PostgreSQL refuses it), a version that fits an int4.
  const text = (v: unknown, max: number) => (typeof v === 'string' ? v.replace(/\u0000/g, '\ufffd').slice(0, max) : undefined);
  return {
    id: text(candidate.id, 64),
    type: text(candidate.type, 120),
    version: Number.isInteger(candidate.version) && Math.abs(candidate.version as number) <= 2_147_483_647 ? (candidate.version as number) : undefined,
    subject: text(candidate.subject, 200),
    traceId: typeof candidate.trace_id === 'string' && /^[0-9a-f]{32}$/.test(candidate.trace_id) ? candidate.trace_id : undefined,
  };
}

/** Checks data against the schema of the version it was written in, then upcasts step by step to the newest. */
function upcast(envelope: WireEnvelope, versions: readonly EventVersionDefinition[], partial: PartialEnvelope): { data: unknown } | Failure {
  let data: unknown = envelope.data;
  for (let v = envelope.version; v <= versions.length; v++) {
    const definition = versions[v - 1]!;
    const parsed = definition.schema.safeParse(data);
    if (!parsed.success) {
      const where = parsed.error.issues.slice(0, 3).map((i) => `data.${i.path.join('.')} ${i.message}`);
      return fail(new AppError('schema_invalid', `${envelope.type} v${v} data is invalid: ${where.join('; ')}`), partial);
    }
    data = v < versions.length ? definition.upcast!(parsed.data) : parsed.data;
  }
  return { data };
}

/**
 * Trace context: the Kafka header's when it continues the envelope's trace (its span is
 * the publish, the best parent for handling), else the envelope's, else the header's,
 * else a new one.
 */
function traceOf(envelope: WireEnvelope, headerTraceparent: string | undefined, newTrace: () => TraceContext) {
  const fromEnvelope = parseTraceparent(envelope.traceparent);
  const fromHeaders = parseTraceparent(headerTraceparent);
  const sameTrace = fromHeaders && fromHeaders.traceId === (envelope.trace_id ?? fromEnvelope?.traceId ?? fromHeaders.traceId);
  const trace = (sameTrace ? fromHeaders : null) ?? fromEnvelope ?? fromHeaders ?? newTrace();
  const traceId = envelope.trace_id ?? trace.traceId;
  return { traceId, traceparent: formatTraceparent({ ...trace, traceId }), assigned: !envelope.trace_id && !fromEnvelope && !fromHeaders };
}

export function decodeMessage<M extends EventMap>(registry: EventRegistry<M>, raw: RawMessage, options: DecodeOptions): DecodeResult<EventOf<M>> {
  const parsed = parseJson(raw.value, options.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES);
  if (!('json' in parsed)) return parsed;
  const partial = partialOf(parsed.json);
  const wire = wireEnvelopeSchema.safeParse(parsed.json);
  if (!wire.success) {
    const where = wire.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'} ${i.message}`);
    return fail(new AppError('schema_invalid', `Envelope is invalid: ${where.join('; ')}`), partial);
  }
  const envelope = wire.data;
  const versions = registry.versionsOf(envelope.type);
  if (!versions) return fail(new AppError('unknown_type', `Unknown event type ${envelope.type}.`), partial);
  const latest = versions.length;
  if (envelope.version > latest) {
    return fail(new AppError('unsupported_version', `${envelope.type} v${envelope.version} is newer than this consumer knows (v${latest}).`), partial);
  }
  const upcasted = upcast(envelope, versions, partial);
  if (!('data' in upcasted)) return upcasted;
  const trace = traceOf(envelope, raw.headers.traceparent, options.newTrace);
  // The one place data becomes typed: it has just passed its type's newest schema.
  const decoded = {
    specversion: ENVELOPE_SPEC_VERSION,
    id: envelope.id.toLowerCase(),
    type: envelope.type,
    version: latest,
    time: envelope.time,
    source: envelope.source,
    subject: envelope.subject,
    datacontenttype: 'application/json',
    trace_id: trace.traceId,
    traceparent: trace.traceparent,
    causation_id: envelope.causation_id ?? null,
    correlation_id: envelope.correlation_id ?? null,
    data: upcasted.data,
  } as EventOf<M>;
  return { ok: true, upcastFrom: envelope.version < latest ? envelope.version : null, traceAssigned: trace.assigned, envelope: decoded };
}
