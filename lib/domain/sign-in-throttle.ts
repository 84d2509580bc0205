// Sign-in throttling as a pure decision over a per-key record of failures.
// Keys are the e-mail and the client address, so neither guessing many
// passwords for one account nor spraying many accounts from one client works.

export interface ThrottleRecord {
  failures: number;
  windowStart: Date;
  lockedUntil: Date | null;
}

export interface ThrottlePolicy {
  maxFailures: number;
  windowSeconds: number;
  lockSeconds: number;
}

export type ThrottleVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export function checkThrottle(record: ThrottleRecord | null, now: Date): ThrottleVerdict {
  if (!record?.lockedUntil || record.lockedUntil <= now) return { allowed: true };
  return { allowed: false, retryAfterSeconds: Math.ceil((record.lockedUntil.getTime() - now.getTime()) / 1000) };
}

/** The record after one more failure: a new window when the old one expired, a lock at the limit. */
export function recordFailure(record: ThrottleRecord | null, now: Date, policy: ThrottlePolicy): ThrottleRecord {
  const windowExpired =
    !record || now.getTime() - record.windowStart.getTime() >= policy.windowSeconds * 1000;
  const failures = windowExpired ? 1 : record.failures + 1;
  const windowStart = windowExpired ? now : record.windowStart;
  const lockedUntil =
    failures >= policy.maxFailures ? new Date(now.getTime() + policy.lockSeconds * 1000) : (record?.lockedUntil ?? null);
  return { failures, windowStart, lockedUntil };
}
