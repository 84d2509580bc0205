// Health of one consumer group over a sliding window of samples: a status and the
// evidence for it, in words. Pure; the rules are documented in docs/consumer-lag.md.
//
// Order matters: ERR (cannot see) > REWIND (offsets went back) > OK when nothing is
// pending (idle groups on idle topics are never STOP) > STOP / STALL (commits not moving
// for the whole window, without / with members) > WARN (lag growing) > OK.
import { drain } from './drain';
import { formatDuration, formatRate, plural } from './format';
import { pendingMessages, type PartitionLag } from './partition-lag';

export type LagStatus = 'OK' | 'WARN' | 'STALL' | 'STOP' | 'REWIND' | 'ERR';

/** Worst first: what a list sorts by and a rollup keeps. */
export const STATUS_SEVERITY: Record<LagStatus, number> = { ERR: 5, STOP: 4, STALL: 3, REWIND: 2, WARN: 1, OK: 0 };

export interface GroupSample {
  at: number; // epoch ms
  /** False when the group's metadata could not be read at this sample. */
  readable: boolean;
  error?: string;
  members: number;
  /** Main topics only: replay-topic lag is reported apart and never judged here. */
  partitions: readonly PartitionLag[];
}

export interface Health {
  status: LagStatus;
  evidence: string;
}

const key = (p: { topic: string; partition: number }) => `${p.topic}[${p.partition}]`;
const pendingOf = (s: GroupSample) => s.partitions.reduce((sum, p) => sum + pendingMessages(p), 0);

/**
 * The window: samples newer than latest − windowMs, plus the newest one at or before
 * that edge as the baseline. `covered` says whether history reaches back the full window.
 */
export function windowOf(samples: readonly GroupSample[], windowMs: number) {
  const sorted = [...samples].sort((a, b) => a.at - b.at);
  const latest = sorted.at(-1);
  if (!latest) return { window: [] as GroupSample[], covered: false };
  const edge = latest.at - windowMs;
  const baseline = sorted.filter((s) => s.at <= edge).at(-1);
  const recent = sorted.filter((s) => s.at > edge);
  return { window: baseline ? [baseline, ...recent] : recent, covered: baseline !== undefined };
}

function findRewind(window: readonly GroupSample[]): string | null {
  for (let i = 1; i < window.length; i++) {
    const before = new Map(window[i - 1]!.partitions.map((p) => [key(p), p.committed]));
    for (const p of window[i]!.partitions) {
      const old = before.get(key(p));
      if (old != null && p.committed !== null && p.committed < old) {
        return `committed offset of ${key(p)} went back from ${old} to ${p.committed} ${formatDuration(window.at(-1)!.at - window[i]!.at)} ago`;
      }
    }
  }
  return null;
}

/** When the committed offsets last changed, or null if they never did within the window. */
function lastCommitMove(window: readonly GroupSample[]): number | null {
  for (let i = window.length - 1; i > 0; i--) {
    const before = new Map(window[i - 1]!.partitions.map((p) => [key(p), p.committed]));
    if (window[i]!.partitions.some((p) => (before.get(key(p)) ?? null) !== p.committed)) return window[i]!.at;
  }
  return null;
}

/** Lag grew over the window, has not fallen back since its middle, and fell in at most a quarter of the steps. */
function growing(window: readonly GroupSample[]): boolean {
  const lags = window.filter((s) => s.readable).map(pendingOf);
  if (lags.length < 3 || lags.some((l) => l === 0)) return false;
  const first = lags[0]!;
  const last = lags.at(-1)!;
  const middle = lags[Math.floor(lags.length / 2)]!;
  let falls = 0;
  for (let i = 1; i < lags.length; i++) if (lags[i]! < lags[i - 1]!) falls++;
  return last > first && last >= middle && falls <= (lags.length - 1) / 4;
}

export function evaluateHealth(samples: readonly GroupSample[], windowMs: number): Health {
  const { window, covered } = windowOf(samples, windowMs);
  const latest = window.at(-1);
  if (!latest) return { status: 'ERR', evidence: 'ERR: no sample of this group yet' };
  if (!latest.readable) return { status: 'ERR', evidence: `ERR: group metadata unreadable: ${latest.error ?? 'unknown error'}` };
  const readable = window.filter((s) => s.readable);
  const lag = pendingOf(latest);
  const members = plural(latest.members, 'member');

  const rewind = findRewind(readable);
  if (rewind) return { status: 'REWIND', evidence: `REWIND: ${rewind} (lag now ${lag})` };
  if (lag === 0) return { status: 'OK', evidence: `OK: caught up (lag 0, ${members})` };

  const moved = lastCommitMove(readable);
  const first = readable[0]!;
  if (covered && moved === null) {
    const quiet = formatDuration(latest.at - first.at);
    return latest.members === 0
      ? { status: 'STOP', evidence: `STOP: no commit for ${quiet} while lag is ${lag} and the group has no members` }
      : { status: 'STALL', evidence: `STALL: ${members} but no commit for ${quiet} while lag is ${lag}` };
  }
  const rates = drain(first, latest);
  const flow = rates.consumeRate !== null && rates.produceRate !== null ? ` (consuming ${formatRate(rates.consumeRate)}, producing ${formatRate(rates.produceRate)})` : '';
  if (covered && growing(readable)) {
    return { status: 'WARN', evidence: `WARN: lag grew from ${pendingOf(first)} to ${lag} over ${formatDuration(latest.at - first.at)}${flow}` };
  }
  if (latest.members === 0 && moved !== null) {
    return { status: 'OK', evidence: `OK: lag ${lag}, no members now but committed ${formatDuration(latest.at - moved)} ago` };
  }
  const eta = rates.state === 'draining' ? `, draining in about ${formatDuration(rates.etaSeconds! * 1000)}` : rates.state === 'not-draining' ? ', not draining' : '';
  return { status: 'OK', evidence: `OK: lag ${lag}${eta}${covered ? '' : ' (less history than the window so far)'}` };
}
