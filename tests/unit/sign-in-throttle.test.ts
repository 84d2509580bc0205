import { describe, expect, it } from 'vitest';
import { checkThrottle, recordFailure, type ThrottleRecord } from '@/lib/domain/sign-in-throttle';

const policy = { maxFailures: 3, windowSeconds: 60, lockSeconds: 300 };
const t0 = new Date('2026-11-27T00:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);

describe('sign-in throttle', () => {
  it('allows a key with no record', () => {
    expect(checkThrottle(null, t0)).toEqual({ allowed: true });
  });

  it('locks after maxFailures within the window, for lockSeconds', () => {
    let r: ThrottleRecord | null = null;
    r = recordFailure(r, at(0), policy);
    r = recordFailure(r, at(10), policy);
    expect(checkThrottle(r, at(11))).toEqual({ allowed: true });
    r = recordFailure(r, at(20), policy);
    expect(r.failures).toBe(3);
    expect(checkThrottle(r, at(21))).toEqual({ allowed: false, retryAfterSeconds: 299 });
    expect(checkThrottle(r, at(320))).toEqual({ allowed: true });
  });

  it('starts a new window once the old one expired', () => {
    let r = recordFailure(null, at(0), policy);
    r = recordFailure(r, at(10), policy);
    r = recordFailure(r, at(70), policy);
    expect(r.failures).toBe(1);
    expect(r.windowStart).toEqual(at(70));
    expect(checkThrottle(r, at(71))).toEqual({ allowed: true });
  });
});
