// Rate limit of a replay: a token bucket with time passed in (pure). `reserve(n, now)`
// takes n tokens at once and says how long to wait before sending them; the debt
// a batch leaves is paid by waiting, so the long-run rate equals `ratePerSecond`
// however the work is batched (held within ±5 % by tests/unit/dlq-token-bucket).
export interface TokenBucket {
  /** Reserves n tokens at `nowMs`; returns the milliseconds to wait before using them. */
  reserve(n: number, nowMs: number): number;
  readonly ratePerSecond: number;
}

export const REPLAY_RATE_DEFAULT = 200;
export const REPLAY_RATE_MAX = 2_000;

export function createTokenBucket(options: { ratePerSecond: number; burst?: number; startMs: number }): TokenBucket {
  const rate = options.ratePerSecond;
  if (!(rate > 0) || !Number.isFinite(rate)) throw new Error('ratePerSecond must be a positive number');
  // A small burst keeps the first batch from waiting; it is at most 1 % of a minute's work.
  const burst = options.burst ?? Math.max(1, Math.ceil(rate / 20));
  let tokens = burst;
  let at = options.startMs;
  return {
    ratePerSecond: rate,
    reserve(n, nowMs) {
      if (nowMs > at) {
        tokens = Math.min(burst, tokens + ((nowMs - at) * rate) / 1000);
        at = nowMs;
      }
      tokens -= n;
      return tokens >= 0 ? 0 : Math.ceil((-tokens * 1000) / rate);
    },
  };
}

/** The rate a request may use: default when absent, never above the cap an admin set. */
export function replayRateOf(requested: number | undefined, cap: number): number {
  const capped = Math.min(Math.max(1, Math.floor(cap)), REPLAY_RATE_MAX);
  return Math.min(requested ?? REPLAY_RATE_DEFAULT, capped);
}
