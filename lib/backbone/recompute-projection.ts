// Recomputes a projection's rows from the event log (the outbox), outside any
// consumer: the reference that drift checks and the invariant checker compare
// read models against, and what a rebuild evolves into a new table.
//
// decodeLogged is the one decoder of logged envelopes that the drift check's
// recomputation, the rebuild's fold and its catch-up share (docs/projections.md
// "Reading the log"). Outbox rows were validated against their type's schema when
// they were written, so an envelope already at its type's newest version is only
// checked cheaply (JSON, a known type, id/time/subject strings, data an object);
// only an older version goes through the full decoder (schema check + upcast).
import { ENVELOPE_SPEC_VERSION, type EventEnvelope } from '../domain/events/envelope';
import { decodeMessage } from '../domain/events/decode';
import type { EventRegistry } from '../domain/events/registry';
import type { EventLogReader } from './ports';
import { evolveRows, type ProjectionDefinition } from './projection';

const PAGE = 2_000;
const TRACE = () => ({ traceId: '0'.repeat(31) + '1', spanId: '0'.repeat(15) + '1', flags: '00' });

/** The full decoder (envelope and data schema checks, upcast), as a consumer decodes a message. */
export function decodeLoggedStrict(registry: EventRegistry, envelope: unknown): EventEnvelope | null {
  const text = typeof envelope === 'string' ? envelope : JSON.stringify(envelope);
  const decoded = decodeMessage(registry, { value: Buffer.from(text), headers: {} }, { maxBytes: Number.MAX_SAFE_INTEGER, newTrace: TRACE });
  return decoded.ok ? decoded.envelope : null;
}

/**
 * A logged envelope (its jsonb text, or the parsed object) as an event: the cheap
 * check for envelopes at their type's newest version, the full decoder otherwise;
 * null when it does not decode (unknown type, not an envelope).
 */
export function decodeLogged(registry: EventRegistry, envelope: unknown): EventEnvelope | null {
  let json: unknown;
  if (typeof envelope === 'string') {
    try {
      json = JSON.parse(envelope);
    } catch {
      return null;
    }
  } else json = envelope;
  if (typeof json !== 'object' || json === null) return null;
  const e = json as Record<string, unknown>;
  if (typeof e.type !== 'string') return null;
  const versions = registry.versionsOf(e.type);
  if (!versions) return null;
  if (e.version !== versions.length) return decodeLoggedStrict(registry, json);
  if (typeof e.id !== 'string' || typeof e.time !== 'string' || typeof e.subject !== 'string' || typeof e.data !== 'object' || e.data === null) {
    return decodeLoggedStrict(registry, json);
  }
  const traceId = typeof e.trace_id === 'string' ? e.trace_id : TRACE().traceId;
  return {
    specversion: ENVELOPE_SPEC_VERSION, id: e.id.toLowerCase(), type: e.type, version: e.version, time: e.time,
    source: e.source, subject: e.subject, datacontenttype: 'application/json',
    trace_id: traceId, traceparent: typeof e.traceparent === 'string' ? e.traceparent : `00-${traceId}-${'0'.repeat(15)}1-00`,
    causation_id: e.causation_id ?? null, correlation_id: e.correlation_id ?? null, data: e.data,
  } as EventEnvelope;
}

/** Reads the log in position order, page by page, up to `untilPosition` when given (a consistent checkpoint). */
export async function* readEventLog(
  log: EventLogReader,
  registry: EventRegistry,
  options: { types?: readonly string[]; topics?: readonly string[]; untilPosition?: bigint } = {},
): AsyncGenerator<{ position: bigint; event: EventEnvelope }> {
  let after = 0n;
  for (;;) {
    const rows = await log.page({ ...options, after, limit: PAGE });
    for (const row of rows) {
      const event = decodeLogged(registry, row.envelope);
      if (event) yield { position: row.position, event };
    }
    if (rows.length < PAGE) return;
    after = rows.at(-1)!.position;
  }
}

export async function recomputeProjection<Row, E extends EventEnvelope>(
  log: EventLogReader,
  registry: EventRegistry,
  definition: ProjectionDefinition<Row, E>,
  options: { untilPosition?: bigint } = {},
): Promise<Map<string, Row>> {
  const rows = new Map<string, Row>();
  let page: EventEnvelope[] = [];
  const flush = () => {
    for (const [key, row] of evolveRows(definition, rows, page)) rows.set(key, row);
    page = [];
  };
  for await (const { event } of readEventLog(log, registry, { types: definition.handles, topics: definition.topics, untilPosition: options.untilPosition })) {
    page.push(event);
    if (page.length >= PAGE) flush();
  }
  flush();
  return rows;
}
