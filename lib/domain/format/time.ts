// How the console writes times, durations, rates and ETAs. Pure (the clock arrives
// as `now`), so the same words appear on every screen and the unit tests pin them.
// "2026-11-28 09:31:07 UTC · 3 min ago": the absolute UTC time first, the age after.
import { differenceInSeconds } from 'date-fns';

/** "2026-11-28 09:31:07 UTC" (seconds precision, always UTC). */
export function formatUtcTimestamp(at: Date): string {
  return `${at.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

const UNITS = [
  [86_400, 'd'],
  [3_600, 'h'],
  [60, 'min'],
  [1, 's'],
] as const;

/**
 * A duration in its two largest units: "45 s", "3 min 20 s", "2 h 5 min", "3 d 4 h".
 * Zero parts are left out ("2 h", not "2 h 0 min"); negative input counts as its size.
 */
export function formatDurationSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  let rest = Math.round(Math.abs(seconds));
  if (rest < 60) return `${rest} s`;
  const parts = UNITS.map(([size, unit]) => {
    const value = Math.floor(rest / size);
    rest -= value * size;
    return { value, unit };
  });
  const first = parts.findIndex((p) => p.value > 0);
  return parts
    .slice(first, first + 2)
    .filter((p) => p.value > 0)
    .map((p) => `${p.value} ${p.unit}`)
    .join(' ');
}

/** "just now", "12 s ago", "3 min ago", "2 h 5 min ago", "in 40 s" (a clock ahead of ours). */
export function formatRelativeAge(at: Date, now: Date): string {
  const seconds = differenceInSeconds(now, at);
  if (seconds === 0) return 'just now';
  const text = formatDurationSeconds(seconds);
  return seconds < 0 ? `in ${text}` : `${text} ago`;
}

/** "2026-11-28 09:31:07 UTC · 3 min ago" */
export function formatUtcWithAge(at: Date, now: Date): string {
  return `${formatUtcTimestamp(at)} · ${formatRelativeAge(at, now)}`;
}

/** Whole seconds from `at` to `now` (never negative). */
export function ageSeconds(at: Date, now: Date): number {
  return Math.max(0, differenceInSeconds(now, at));
}

/** "1,234" */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** "12/s", "3.5/s", "0.2/s"; "—" when unknown. */
export function formatRatePerSecond(perSecond: number | null): string {
  if (perSecond === null || !Number.isFinite(perSecond)) return '—';
  if (perSecond >= 10) return `${formatCount(perSecond)}/s`;
  return `${perSecond.toFixed(1).replace(/\.0$/, '')}/s`;
}

/** "about 3 min left", "less than 1 s left"; "—" when unknown (no total or no rate yet). */
export function formatEta(etaSeconds: number | null): string {
  if (etaSeconds === null || !Number.isFinite(etaSeconds) || etaSeconds < 0) return '—';
  if (etaSeconds < 1) return 'less than 1 s left';
  return `about ${formatDurationSeconds(etaSeconds)} left`;
}

/** "42 %" of done/total, rounded down so 99.6 % is not shown as finished; null without a total. */
export function formatPercent(done: number, total: number | null): string | null {
  if (total === null) return null;
  if (total <= 0) return '100 %';
  return `${Math.floor(Math.min(1, Math.max(0, done / total)) * 100)} %`;
}
