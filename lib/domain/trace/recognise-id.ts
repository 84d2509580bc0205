// What did the user paste into the search box? Pure: turns one string into the
// lookups worth making. A trace id or traceparent names one trace; a UUID is
// ambiguous (event id, correlation id, DLQ row id, or a subject: demo order ids are
// UUIDs), so it yields every reading and the lookup keeps the ones that exist.
import { parseTraceparent } from '../events/trace-context';

export type IdKind = 'trace' | 'event' | 'correlation' | 'dlq' | 'subject';

export interface IdCandidate {
  kind: IdKind;
  value: string;
}

export interface RecognisedId {
  /** The input as searched (trimmed), or null when nothing could be read from it. */
  query: string | null;
  /** What the input looked like, for the "no match" message. */
  shape: 'traceparent' | 'trace-id' | 'uuid' | 'subject' | 'invalid';
  candidates: IdCandidate[];
}

/** Envelope subjects are at most 200 characters (lib/domain/events/envelope.ts). */
export const MAX_QUERY_LENGTH = 200;

const TRACE_ID = /^[0-9a-f]{32}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// Printable (no control, format or unassigned characters), no whitespace inside: a subject is an aggregate id, not a sentence.
const SUBJECT = /^[^\s\p{C}]+$/u;
const ALL_ZERO = /^[0-]+$/;

const none = (shape: RecognisedId['shape'], query: string | null): RecognisedId => ({ query, shape, candidates: [] });

/** Strips what copy-paste drags along: quotes, angle brackets, a `urn:uuid:` prefix. */
function unwrap(raw: string): string {
  let s = raw.trim();
  for (const [open, close] of [['"', '"'], ["'", "'"], ['<', '>'], ['{', '}'], ['`', '`']] as const) {
    if (s.length >= 2 && s.startsWith(open) && s.endsWith(close)) s = s.slice(1, -1).trim();
  }
  return s.replace(/^urn:uuid:/i, '');
}

export function recogniseId(input: unknown): RecognisedId {
  if (typeof input !== 'string') return none('invalid', null);
  const s = unwrap(input);
  if (s.length === 0 || s.length > MAX_QUERY_LENGTH) return none('invalid', null);
  const lower = s.toLowerCase();

  const parent = parseTraceparent(lower);
  if (parent) return { query: s, shape: 'traceparent', candidates: [{ kind: 'trace', value: parent.traceId }] };
  if (lower.startsWith('00-')) return none('invalid', s); // a malformed traceparent is not a subject
  if (TRACE_ID.test(lower)) {
    return ALL_ZERO.test(lower) ? none('invalid', s) : { query: s, shape: 'trace-id', candidates: [{ kind: 'trace', value: lower }] };
  }
  if (UUID.test(lower)) {
    if (ALL_ZERO.test(lower)) return none('invalid', s);
    const kinds: IdKind[] = ['event', 'dlq', 'correlation', 'subject'];
    return { query: s, shape: 'uuid', candidates: kinds.map((kind) => ({ kind, value: lower })) };
  }
  if (!SUBJECT.test(s)) return none('invalid', s);
  return { query: s, shape: 'subject', candidates: [{ kind: 'subject', value: s }] };
}
