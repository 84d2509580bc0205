// Seconds behind: how long ago the first message a group has yet to read was appended
// to the log. Pure; the caller brings the clock and whatever it knows about that message.
//
// Exact when the message's append time is known (the outbox row's published_at, or the
// record timestamp). Otherwise an estimate interpolated over sampled (end offset, time)
// pairs, and labelled so. Never negative, never NaN.

/** The partition's high watermark as one sample saw it. */
export interface EndSample {
  at: number; // epoch ms
  end: number;
}

export type TimeLagSource = 'caught-up' | 'outbox' | 'record' | 'estimate' | 'unknown';

export interface TimeLag {
  /** null only when nothing at all is known (source 'unknown'). */
  seconds: number | null;
  source: TimeLagSource;
  /** True when only a lower bound is known: the message is older than every sample. */
  atLeast: boolean;
}

export interface TimeLagInput {
  now: number;
  /** Messages still to read on the partition (0: caught up, or an idle topic). */
  pending: number;
  /** Offset of the first message still to read. */
  offset: number;
  /** Append time of that message, when known (epoch ms), and where it came from. */
  appendedAt?: { at: number; source: 'outbox' | 'record' } | null;
  /** Earlier samples of the partition's end offset, any order. */
  history?: readonly EndSample[];
}

const seconds = (ms: number) => (Number.isFinite(ms) ? Math.max(0, ms) / 1000 : 0);

/**
 * The newest time at which the message at `offset` did not exist yet (the end was still
 * at or below it): it was appended after that, whatever timestamp its producer wrote.
 */
function notBefore(offset: number, history: readonly EndSample[]): number | null {
  let best: number | null = null;
  for (const s of history) if (s.end <= offset && (best === null || s.at > best)) best = s.at;
  return best;
}

export function timeLag(input: TimeLagInput): TimeLag {
  const { now, pending, offset } = input;
  if (!(pending > 0)) return { seconds: 0, source: 'caught-up', atLeast: false };
  const history = [...(input.history ?? [])].filter((s) => Number.isFinite(s.at) && Number.isFinite(s.end)).sort((a, b) => a.at - b.at);
  const floor = notBefore(offset, history);
  if (input.appendedAt && Number.isFinite(input.appendedAt.at)) {
    // A producer may stamp an old event time (a backfill, a replay): the sampled ends
    // bound the append time from below, so old data is not "years behind" unless it is.
    const at = floor === null ? input.appendedAt.at : Math.max(input.appendedAt.at, floor);
    return { seconds: seconds(now - at), source: input.appendedAt.source, atLeast: false };
  }
  return estimate(now, offset, history, floor);
}

/** Interpolation between the last sample before the message existed and the first after. */
function estimate(now: number, offset: number, history: readonly EndSample[], floor: number | null): TimeLag {
  if (history.length === 0) return { seconds: null, source: 'unknown', atLeast: false };
  const after = history.find((s) => s.end > offset && (floor === null || s.at > floor));
  const before = floor === null ? undefined : history.filter((s) => s.at === floor).at(-1);
  if (!before) {
    // Older than every sample: all we know is that it is at least that old.
    return { seconds: seconds(now - history[0]!.at), source: 'estimate', atLeast: true };
  }
  if (!after) return { seconds: seconds(now - before.at), source: 'estimate', atLeast: false };
  // The end went from before.end to after.end at a steady rate (our best guess); the
  // message was appended when the end passed offset + 1.
  const span = after.end - before.end;
  const fraction = span > 0 ? Math.min(1, Math.max(0, (offset + 1 - before.end) / span)) : 1;
  const at = before.at + fraction * (after.at - before.at);
  return { seconds: seconds(now - at), source: 'estimate', atLeast: false };
}

/** The group's figure: the worst partition (the oldest unread message anywhere). */
export function worstTimeLag(lags: readonly TimeLag[]): TimeLag {
  let worst: TimeLag = { seconds: 0, source: 'caught-up', atLeast: false };
  let unknown = false;
  for (const l of lags) {
    if (l.seconds === null) unknown = true;
    else if (worst.seconds === null || l.seconds > worst.seconds) worst = l;
  }
  return unknown && worst.source === 'caught-up' ? { seconds: null, source: 'unknown', atLeast: false } : worst;
}
