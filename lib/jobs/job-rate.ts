// Rate and ETA of a job from recent progress samples. Pure. The runner appends a
// sample at each checkpoint and heartbeat (at most one a second) and keeps the last
// RATE_WINDOW_MS of them; the read side turns them into a rate over that window, so
// a stalled job's rate falls to 0 instead of showing its lifetime average.

export interface RateSample {
  /** Epoch milliseconds. */
  at: number;
  done: number;
}

export const RATE_WINDOW_MS = 30_000;
const MIN_SAMPLE_GAP_MS = 1_000;
const MAX_SAMPLES = 64;

/** Adds `sample` (replacing the last one when it is under a second newer) and drops samples older than the window. */
export function addRateSample(samples: readonly RateSample[], sample: RateSample, windowMs = RATE_WINDOW_MS): RateSample[] {
  const kept = samples.filter((s) => s.at >= sample.at - windowMs && s.at <= sample.at);
  const last = kept[kept.length - 1];
  // Keep the oldest sample in the window fixed: replacing only the newest keeps the span.
  if (last && kept.length > 1 && sample.at - last.at < MIN_SAMPLE_GAP_MS) kept.pop();
  kept.push(sample);
  return kept.slice(-MAX_SAMPLES);
}

/** Items per second between the oldest and newest sample in the window ending at the newest; null without a span. */
export function rateOf(samples: readonly RateSample[], windowMs = RATE_WINDOW_MS): number | null {
  const last = samples[samples.length - 1];
  if (!last) return null;
  const first = samples.find((s) => s.at >= last.at - windowMs);
  if (!first || last.at - first.at < 500) return null;
  return Math.max(0, (last.done - first.done) / ((last.at - first.at) / 1000));
}

/** Seconds left at `rate`: (total − done) / rate; null when unknown (no total, no rate, or stalled). */
export function etaSeconds(done: number, total: number | null, rate: number | null): number | null {
  if (total === null || rate === null) return null;
  const left = Math.max(0, total - done);
  if (left === 0) return 0;
  if (rate <= 0) return null;
  return left / rate;
}

/** Parses stored samples defensively (the column is JSON; anything malformed is dropped). */
export function parseRateSamples(value: unknown): RateSample[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (s): s is RateSample =>
      typeof s === 'object' && s !== null && Number.isFinite((s as RateSample).at) && Number.isFinite((s as RateSample).done),
  );
}
