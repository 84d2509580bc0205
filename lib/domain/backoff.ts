// Exponential backoff with full jitter: attempt n waits a random time in
// [0, min(max, base·2^(n-1))]. The random source is passed in (pure, testable).
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}
