import { describe, expect, it } from 'vitest';
import { AppError } from '@/lib/errors';
import { createFaultInjector } from '@/lib/demo/consumers/fault-injector';
import { hasReached, isAlreadyDone } from '@/lib/demo/consumers/progress';
import { decidePayment, PAYMENT_LIMIT_CENTS } from '@/lib/demo/consumers/payments';
import { DEFAULT_KNOBS } from '@/lib/demo/knobs';

describe('payment decision', () => {
  it('approves ordinary orders up to the limit', () => {
    expect(decidePayment({ customerId: 'c-1', amountCents: PAYMENT_LIMIT_CENTS })).toEqual({ approved: true });
  });
  it('declines above the limit and for "declined-" customers, with a reason', () => {
    expect(decidePayment({ customerId: 'c-1', amountCents: PAYMENT_LIMIT_CENTS + 1 })).toMatchObject({ approved: false, reason: expect.stringContaining('limit') });
    expect(decidePayment({ customerId: 'declined-c-4', amountCents: 100 })).toMatchObject({ approved: false, reason: expect.any(String) });
    expect(decidePayment({ customerId: 'c-declined-4', amountCents: 100 })).toEqual({ approved: true });
  });
});

describe('order progress', () => {
  it('later stages count as reached; cancelled is terminal', () => {
    expect(hasReached('paid', 'paid')).toBe(true);
    expect(hasReached('payment_failed', 'paid')).toBe(true);
    expect(hasReached('delivered', 'dispatched')).toBe(true);
    expect(hasReached('cancelled', 'dispatched')).toBe(true);
    expect(hasReached('placed', 'paid')).toBe(false);
    expect(hasReached('payment_failed', 'dispatched')).toBe(false);
    expect(hasReached('delivered', 'cancelled')).toBe(false);
    expect(hasReached('cancelled', 'cancelled')).toBe(true);
  });

  it('only a rejection naming a reached status is "already done"', () => {
    const rejected = (currentStatus: unknown) => new AppError('rejected', 'nope', { details: { currentStatus } });
    expect(isAlreadyDone(rejected('dispatched'), 'dispatched')).toBe(true);
    expect(isAlreadyDone(rejected('placed'), 'dispatched')).toBe(false);
    expect(isAlreadyDone(rejected(null), 'paid')).toBe(false);
    expect(isAlreadyDone(rejected('toString'), 'paid')).toBe(false);
    expect(isAlreadyDone(new AppError('not_found', 'gone'), 'paid')).toBe(false);
    expect(isAlreadyDone(new Error('boom'), 'paid')).toBe(false);
  });
});

describe('fault injector', () => {
  const knobs = { ...DEFAULT_KNOBS, transientFailureShare: 0.2, permanentFailureShare: 0.1, slowConsumer: 'shipping', slowMs: 750 };
  const run = async (r: number, consumer = 'payments', slept: number[] = []) => {
    const faults = createFaultInjector({ knobs: () => knobs, random: () => r, sleep: async (ms) => void slept.push(ms) });
    return faults.beforeHandle(consumer, 'e-1').then(() => 'ok', (e: AppError) => `${e.code}:${e.retryable}`);
  };

  it('throws a retryable transient error below transientFailureShare', async () => {
    expect(await run(0)).toBe('transient:true');
    expect(await run(0.199)).toBe('transient:true');
  });
  it('throws a non-retryable permanent error in the next permanentFailureShare', async () => {
    expect(await run(0.2)).toBe('permanent:false');
    expect(await run(0.299)).toBe('permanent:false');
  });
  it('lets the rest through', async () => {
    expect(await run(0.31)).toBe('ok');
    expect(await run(0.999)).toBe('ok');
  });
  it('sleeps slowMs only in the slow consumer', async () => {
    const slept: number[] = [];
    await run(0.5, 'payments', slept);
    expect(slept).toEqual([]);
    await run(0.5, 'shipping', slept);
    expect(slept).toEqual([750]);
  });
  it('reads the knobs on every call (live changes apply)', async () => {
    let share = 0;
    const faults = createFaultInjector({ knobs: () => ({ ...DEFAULT_KNOBS, transientFailureShare: share }), random: () => 0.5 });
    await expect(faults.beforeHandle('payments', 'e')).resolves.toBeUndefined();
    share = 1;
    await expect(faults.beforeHandle('payments', 'e')).rejects.toMatchObject({ code: 'transient' });
  });
});
