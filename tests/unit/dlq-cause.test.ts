import { describe, expect, it } from 'vitest';
import { causeOf, isCauseKey } from '@/lib/domain/dlq/cause';

const stack = (file: string, line: number) => `Error: boom\n    at applyShipping (${file}:${line}:17)\n    at next (/app/x.js:1:1)`;

describe('DLQ cause', () => {
  it('masks ids, uuids, numbers and offsets, so the same failure on different events is one cause', () => {
    const a = causeOf({ errorClass: 'AppError', message: 'order 1234 at orders.v1/3@99881 (id 0b6f2c1e-93a4-4a8e-9a43-6b9a1f0c2d11) failed', stack: stack('/srv/a/ship.js', 10) });
    const b = causeOf({ errorClass: 'AppError', message: 'order 77 at orders.v1/0@5 (id 7c1d2e3f-0000-4000-8000-aaaaaaaaaaaa) failed', stack: stack('/home/b/ship.js', 99) });
    expect(a.key).toBe(b.key);
    expect(a.message).toBe('order <n> at orders.v<n>/<n>@<n> (id <uuid>) failed');
    expect(a.frame).toBe('at applyShipping (ship.js');
    expect(isCauseKey(a.key)).toBe(true);
  });

  it('has no consumer in it: the same error in two consumers is one cause', () => {
    // causeOf takes no consumer at all; this pins that the key depends only on class, message, frame.
    const one = causeOf({ errorClass: 'TypeError', message: "Cannot read 'x' of undefined", stack: null });
    const two = causeOf({ errorClass: 'TypeError', message: "Cannot read 'y' of undefined", stack: undefined });
    expect(one.key).toBe(two.key);
  });

  it('separates different classes, messages and first frames', () => {
    const base = { errorClass: 'AppError', message: 'payment declined', stack: stack('/a/pay.js', 1) };
    const keys = new Set([
      causeOf(base).key,
      causeOf({ ...base, errorClass: 'TypeError' }).key,
      causeOf({ ...base, message: 'payment refused' }).key,
      causeOf({ ...base, stack: 'Error\n    at other (/a/pay.js:1:1)' }).key,
    ]);
    expect(keys.size).toBe(4);
  });
});
