import { describe, expect, it } from 'vitest';
import { backOffWhileUnavailable, isDatabaseUnavailable } from '@/lib/adapters/prisma/connection-errors';

// Shapes as thrown by Prisma 7 over @prisma/adapter-pg and by node-postgres (seen here against a closed port and pg_terminate_backend).
const unreachable = Object.assign(new Error("Can't reach database server at 127.0.0.1:1"), {
  code: 'P1001',
  meta: { driverAdapterError: { cause: { kind: 'DatabaseNotReachable' } } },
});
const terminated = Object.assign(new Error('Raw query failed. Code: `57P01`.'), {
  code: 'P2010',
  meta: { driverAdapterError: { cause: { kind: 'postgres', originalCode: '57P01' } } },
});
const uniqueViolation = Object.assign(new Error('Unique constraint failed'), {
  code: 'P2002',
  meta: { driverAdapterError: { cause: { kind: 'UniqueConstraintViolation' } } },
});

describe('isDatabaseUnavailable', () => {
  it('recognises an unreachable server, a terminated backend and a dropped socket, also as a cause', () => {
    expect(isDatabaseUnavailable(unreachable)).toBe(true);
    expect(isDatabaseUnavailable(terminated)).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('wrapped', { cause: unreachable }))).toBe(true);
  });
  it('does not take request errors for an outage', () => {
    expect(isDatabaseUnavailable(uniqueViolation)).toBe(false);
    expect(isDatabaseUnavailable(new Error('amount must be positive'))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});

describe('backOffWhileUnavailable', () => {
  it('fails fast during a doubling backoff after an outage error, and resets on success', async () => {
    let t = 0;
    let calls = 0;
    let fail: Error | null = unreachable;
    const call = backOffWhileUnavailable(
      async () => {
        calls++;
        if (fail) throw fail;
        return 'ok';
      },
      () => t,
    );
    await expect(call()).rejects.toBe(unreachable);
    await expect(call()).rejects.toThrow(/not trying again for 500 ms/);
    expect(calls).toBe(1);
    t = 500;
    await expect(call()).rejects.toBe(unreachable);
    t = 1_499;
    await expect(call()).rejects.toThrow(/not trying again/);
    t = 1_500;
    fail = null;
    await expect(call()).resolves.toBe('ok');
    fail = uniqueViolation; // not an outage: no backoff
    await expect(call()).rejects.toBe(uniqueViolation);
    await expect(call()).rejects.toBe(uniqueViolation);
    expect(calls).toBe(5);
  });

  it('counts the calls in flight when the outage began as one failure (the backoff stays at 500 ms)', async () => {
    let t = 0;
    let release!: () => void;
    const outage = new Promise<void>((resolve) => (release = resolve));
    let fail = true;
    const call = backOffWhileUnavailable(
      async () => {
        if (!fail) return 'ok';
        await outage;
        throw unreachable;
      },
      () => t,
    );
    const inFlight = Array.from({ length: 16 }, () => call());
    release();
    for (const p of inFlight) await expect(p).rejects.toBe(unreachable);
    await expect(call()).rejects.toThrow(/not trying again for 500 ms/);
    t = 500;
    fail = false;
    await expect(call()).resolves.toBe('ok');
  });
});
