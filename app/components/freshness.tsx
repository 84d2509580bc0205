'use client';
// Every live figure shows its age: "updated 4 s ago", with a button to pause and
// resume polling, and a loud "stale" once the data is older than `staleAfterSeconds`
// (polling paused, the API failing, or the tab asleep). Pair with `useLivePolling`.
import { useState } from 'react';
import { ageSeconds, formatDurationSeconds } from '@/lib/domain/format/time';
import { useNow } from './relative-time';

/** Polling that the user can pause: pass `refetchInterval` to react-query's useQuery. */
export function useLivePolling(intervalMs: number) {
  const [paused, setPaused] = useState(false);
  return { paused, setPaused, refetchInterval: paused ? (false as const) : intervalMs, intervalMs };
}

export interface FreshnessProps {
  /** When the data was fetched: react-query's `dataUpdatedAt` (0 = never) or a Date. */
  updatedAt: number | Date | null;
  paused: boolean;
  onPausedChange: (paused: boolean) => void;
  /** Older than this, the figures are flagged stale (default: 3 polling intervals or 30 s). */
  staleAfterSeconds?: number;
  intervalMs?: number;
  /** An error from the last poll, if it failed (the figures shown are older). */
  error?: string | null;
}

export function Freshness({ updatedAt, paused, onPausedChange, staleAfterSeconds, intervalMs, error }: FreshnessProps) {
  const now = useNow(1_000);
  const at = updatedAt === null || updatedAt === 0 ? null : new Date(updatedAt);
  const age = at ? ageSeconds(at, now) : null;
  const limit = staleAfterSeconds ?? Math.max(30, intervalMs ? (3 * intervalMs) / 1000 : 0);
  const stale = age === null || age > limit;
  return (
    <div className="freshness row" data-testid="freshness">
      <span suppressHydrationWarning>
        {age === null ? 'not loaded yet' : `updated ${formatDurationSeconds(age)} ago`}
        {paused ? ' · paused' : intervalMs ? ` · every ${formatDurationSeconds(intervalMs / 1000)}` : ''}
      </span>
      {stale && at ? (
        <span className="badge bad stale" role="alert" title={`Older than ${formatDurationSeconds(limit)}`}>
          <span aria-hidden="true">⚠</span> stale{error ? `: ${error}` : ''}
        </span>
      ) : null}
      <button type="button" onClick={() => onPausedChange(!paused)} aria-pressed={paused}>
        {paused ? 'Resume updates' : 'Pause updates'}
      </button>
    </div>
  );
}
