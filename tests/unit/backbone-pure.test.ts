import { describe, expect, it } from 'vitest';
import { LANE_COUNT, laneOf } from '@/lib/domain/lanes';
import { backoffDelay } from '@/lib/domain/backoff';
import { errorFingerprint, firstStackFrame, normaliseErrorMessage } from '@/lib/domain/fingerprint';
import { formatTraceparent, parseTraceparent } from '@/lib/domain/events/trace-context';
import { buildEnvelope } from '@/lib/domain/events/envelope';
import { EventRegistry } from '@/lib/domain/events/registry';
import { decodeMessage } from '@/lib/domain/events/decode';
import { classifyError } from '@/lib/backbone/classify-error';
import { evolveRows } from '@/lib/backbone/projection';
import { AppError, errorCodes, isErrorCode, type ErrorCode } from '@/lib/errors';
import { z } from 'zod';

describe('lanes', () => {
  it('maps a subject to a stable lane in range', () => {
    expect(laneOf('order-1')).toBe(laneOf('order-1'));
    const lanes = new Set(Array.from({ length: 2000 }, (_, i) => laneOf(`subject-${i}`)));
    expect([...lanes].every((l) => l >= 0 && l < LANE_COUNT)).toBe(true);
    expect(lanes.size).toBe(LANE_COUNT); // spreads over every lane
  });
});

describe('backoff', () => {
  const policy = { baseMs: 100, maxMs: 1000 };
  it('grows exponentially up to the maximum, with full jitter', () => {
    expect(backoffDelay(1, policy, () => 0.999)).toBe(99);
    expect(backoffDelay(3, policy, () => 0.999)).toBe(399);
    expect(backoffDelay(10, policy, () => 0.999)).toBe(999);
    expect(backoffDelay(10, policy, () => 0)).toBe(0);
  });
});

describe('fingerprint', () => {
  it('masks ids, numbers and quoted values', () => {
    expect(normaliseErrorMessage('order 0190a3c2-7a1b-7cde-8f00-123456789abc failed after 3 tries: "boom"')).toBe('order <uuid> failed after <n> tries: <str>');
  });
  it('takes the first frame without paths and line numbers', () => {
    expect(firstStackFrame('Error: x\n    at handle (/srv/app/lib/x.ts:10:5)\n    at y (z.ts:1:1)')).toBe('at handle (x.ts');
  });
  it('is equal for the same cause and different for another consumer', () => {
    const a = errorFingerprint({ consumer: 'payments', errorClass: 'AppError:transient', message: 'timeout after 30 ms for order 1' });
    const b = errorFingerprint({ consumer: 'payments', errorClass: 'AppError:transient', message: 'timeout after 45 ms for order 2' });
    const c = errorFingerprint({ consumer: 'shipping', errorClass: 'AppError:transient', message: 'timeout after 30 ms for order 1' });
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });
});

describe('trace context', () => {
  it('round-trips a traceparent', () => {
    const value = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`;
    expect(formatTraceparent(parseTraceparent(value)!)).toBe(value);
  });
  it.each(['', '00-xyz', `00-${'0'.repeat(32)}-${'b'.repeat(16)}-01`, `01-${'a'.repeat(32)}-${'b'.repeat(16)}-01`, 42, null])('rejects %j', (v) => {
    expect(parseTraceparent(v)).toBeNull();
  });
});

describe('envelope', () => {
  it('builds a CloudEvents-shaped envelope from a fact and its context', () => {
    const e = buildEnvelope(
      { type: 'orders.OrderPlaced', version: 2, subject: 's-1', data: { a: 1 }, causationId: '0190a3c2-7a1b-7cde-8f00-000000000001' },
      { id: '0190a3c2-7a1b-7cde-8f00-000000000002', time: new Date('2026-11-27T00:00:00Z'), source: '/x', traceId: 'a'.repeat(32), traceparent: 'tp' },
    );
    expect(e).toMatchObject({ specversion: '1.0', subject: 's-1', trace_id: 'a'.repeat(32), correlation_id: '0190a3c2-7a1b-7cde-8f00-000000000001', time: '2026-11-27T00:00:00.000Z' });
  });
});

describe('event registry', () => {
  const registry = new EventRegistry({
    'a.Moved': {
      schema: z.object({ to: z.string(), by: z.string() }),
      older: [
        { schema: z.object({ place: z.string() }), upcast: (d: { place: string }) => ({ to: d.place }) },
        { schema: z.object({ to: z.string() }), upcast: (d: { to: string }) => ({ ...d, by: 'unknown' }) },
      ],
    },
  });
  it('numbers versions 1..n from the map, the newest last', () => {
    expect(registry.latestVersion('a.Moved')).toBe(3);
    expect(registry.versionsOf('a.Moved')!.map((v) => v.version)).toEqual([1, 2, 3]);
    expect(registry.has('a.Moved') && !registry.has('a.Other')).toBe(true);
  });
  it('upcasts every older version step by step to the newest when decoding', () => {
    const envelope = { id: '0190a3c2-7a1b-7cde-8f00-000000000002', type: 'a.Moved', version: 1, time: '2026-11-27T00:00:00Z', source: '/x', subject: 's', data: { place: 'home' } };
    const result = decodeMessage(registry, { value: Buffer.from(JSON.stringify(envelope)), headers: {} }, { newTrace: () => ({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), flags: '01' }) });
    expect(result.ok && result.envelope.type === 'a.Moved' && result.envelope.data).toEqual({ to: 'home', by: 'unknown' });
    expect(result.ok && result.upcastFrom).toBe(1);
  });
});

describe('classifyError', () => {
  const sqlError = (code: string) => Object.assign(new Error('statement failed'), { code });
  it('follows AppError codes, whose retryability the table decides', () => {
    expect(classifyError(new AppError('transient', 'x'))).toMatchObject({ code: 'transient', retryable: true });
    expect(classifyError(new AppError('schema_invalid', 'x'))).toMatchObject({ code: 'schema_invalid', retryable: false });
    expect(classifyError(new AppError('concurrent_update', 'x'))).toMatchObject({ code: 'concurrent_update', retryable: true });
  });
  it.each([
    ['40001', 'concurrent_update', true],
    ['40P01', 'concurrent_update', true],
    ['08006', 'db_unavailable', true],
    ['57P01', 'db_unavailable', true],
    ['53300', 'db_unavailable', true],
    ['23505', 'constraint_violation', false],
    ['22P02', 'query_rejected', false],
    ['P0001', 'query_rejected', false],
  ])('classifies SQLSTATE %s as %s (retryable: %s) and keeps the SQLSTATE in the message', (sqlState, code, retryable) => {
    expect(classifyError(sqlError(sqlState))).toMatchObject({ code, retryable, message: `[SQLSTATE ${sqlState}] statement failed` });
  });
  it('finds the SQLSTATE behind a Prisma driver-adapter error', () => {
    const prismaError = Object.assign(new Error('raw query failed'), { code: 'P2010', meta: { driverAdapterError: { cause: { originalCode: '40P01' } } } });
    expect(classifyError(prismaError).code).toBe('concurrent_update');
  });
  it('classifies lost connections without a SQLSTATE as db_unavailable', () => {
    expect(classifyError(new Error('Connection terminated unexpectedly')).code).toBe('db_unavailable');
    expect(classifyError(sqlError('ECONNREFUSED')).code).toBe('db_unavailable');
    expect(classifyError(sqlError('P1017')).code).toBe('db_unavailable');
  });
  it('retries unknown errors as handler_failed, within the attempt budget', () => {
    expect(classifyError(new TypeError('boom'))).toMatchObject({ retryable: true, code: 'handler_failed', errorClass: 'TypeError' });
    expect(classifyError('a string').code).toBe('handler_failed');
    expect(classifyError(sqlError('P2025')).code).toBe('handler_failed');
  });
  it('only ever returns a code from the error table, whose retryability it reports', () => {
    const samples: unknown[] = [
      ...Object.keys(errorCodes).map((code) => new AppError(code as ErrorCode, 'x')),
      ...['00000', '08001', '23503', '40001', '42P01', '57014', 'XX000', 'P0001', 'P2002', 'P2034', 'P9999', 'EPIPE', 'nonsense'].map(sqlError),
      new Error('x'), null, undefined, 42, { code: 12345 },
    ];
    for (const sample of samples) {
      const classified = classifyError(sample);
      expect(isErrorCode(classified.code), `${String(classified.code)} for ${String(sample)}`).toBe(true);
      expect(classified.retryable).toBe(errorCodes[classified.code].retryable);
    }
  });
});

describe('error table', () => {
  it('has no per-error override: retryable follows the code', () => {
    for (const code of Object.keys(errorCodes) as ErrorCode[]) expect(new AppError(code, 'x').retryable).toBe(errorCodes[code].retryable);
  });
});

describe('evolveRows', () => {
  it('applies events in order per key and returns only changed rows', () => {
    const def = {
      handles: ['t.Added'],
      keyOf: (e: { subject: string }) => e.subject,
      evolve: (row: number | null, e: { data: unknown }) => (row ?? 0) + (e.data as number),
    };
    const ev = (subject: string, data: number, type = 't.Added') => ({ subject, data, type }) as never;
    const changed = evolveRows(def as never, new Map([['a', 10], ['c', 1]]), [ev('a', 1), ev('b', 2), ev('a', 3), ev('c', 5, 't.Other')]);
    expect([...changed.entries()]).toEqual([['a', 14], ['b', 2]]);
  });
});
