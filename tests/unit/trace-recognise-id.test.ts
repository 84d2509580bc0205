// The header search's id recogniser: every id shape a demo order's flow has, and
// whatever else gets pasted (it must never throw, and never turn junk into a lookup).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_QUERY_LENGTH, recogniseId } from '@/lib/domain/trace/recognise-id';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const uuid = '0190f1c2-7a3b-7c4d-8e5f-0123456789ab';

describe('recogniseId', () => {
  it('reads a trace id, lower-casing it', () => {
    expect(recogniseId(traceId.toUpperCase())).toEqual({ query: traceId.toUpperCase(), shape: 'trace-id', candidates: [{ kind: 'trace', value: traceId }] });
  });

  it('reads a W3C traceparent as its trace id', () => {
    const r = recogniseId(`  00-${traceId}-00f067aa0ba902b7-01 `);
    expect(r.shape).toBe('traceparent');
    expect(r.candidates).toEqual([{ kind: 'trace', value: traceId }]);
  });

  it('refuses a malformed or all-zero traceparent instead of searching it as a subject', () => {
    expect(recogniseId(`00-${traceId}-00f067aa0ba902b7`).candidates).toEqual([]);
    expect(recogniseId(`00-${'0'.repeat(32)}-00f067aa0ba902b7-01`).candidates).toEqual([]);
    expect(recogniseId('0'.repeat(32)).candidates).toEqual([]);
  });

  it('reads a UUID as every id that can be one: event, DLQ row, correlation, subject (order id)', () => {
    const r = recogniseId(uuid.toUpperCase());
    expect(r.shape).toBe('uuid');
    expect(r.candidates.map((c) => c.kind).sort()).toEqual(['correlation', 'dlq', 'event', 'subject']);
    expect(new Set(r.candidates.map((c) => c.value))).toEqual(new Set([uuid]));
  });

  it('strips what copy-paste drags along', () => {
    for (const pasted of [`"${uuid}"`, `'${uuid}'`, `<${uuid}>`, `{${uuid}}`, `urn:uuid:${uuid}`, `\t${uuid}\n`]) {
      expect(recogniseId(pasted).shape, pasted).toBe('uuid');
    }
  });

  it('takes any other compact printable string as a subject, case kept', () => {
    expect(recogniseId('Customer-7/order:42')).toEqual({ query: 'Customer-7/order:42', shape: 'subject', candidates: [{ kind: 'subject', value: 'Customer-7/order:42' }] });
  });

  it('rejects hostile and empty input without throwing', () => {
    const hostile: unknown[] = [
      undefined, null, 42, {}, ['x'], '', '   ', 'a'.repeat(MAX_QUERY_LENGTH + 1), "x' OR 1=1 --", 'two words', 'a\u0000b', 'a\u202eb', 'line\nbreak', '\u200b',
    ];
    for (const input of hostile) {
      const r = recogniseId(input);
      expect(r.candidates, JSON.stringify(input)).toEqual([]);
      expect(r.shape).toBe('invalid');
    }
  });

  it('never throws, and every candidate is bounded and printable (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.anything()), (input) => {
        const r = recogniseId(input);
        for (const c of r.candidates) {
          expect(c.value.length).toBeGreaterThan(0);
          expect(c.value.length).toBeLessThanOrEqual(MAX_QUERY_LENGTH);
          expect(/[\s\p{C}]/u.test(c.value)).toBe(false);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
