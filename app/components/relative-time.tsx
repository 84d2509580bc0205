'use client';
// The one way a time is shown: UTC with its relative age, ticking
// ("2026-11-28 09:31:07 UTC · 3 min ago"). The first render uses `now` when the
// server passed one, so the server's and the browser's HTML agree; then it ticks.
import { useEffect, useState } from 'react';
import { formatRelativeAge, formatUtcTimestamp } from '@/lib/domain/format/time';

/** The current time, re-read every `intervalMs` (1 s by default) while mounted. */
export function useNow(intervalMs = 1_000, initial?: Date | string | number): Date {
  const [now, setNow] = useState(() => (initial === undefined ? new Date() : new Date(initial)));
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

export interface RelativeTimeProps {
  /** A Date, an ISO string or epoch milliseconds; null shows a dash. */
  at: Date | string | number | null | undefined;
  /** The server's clock at render time (avoids a hydration mismatch). */
  now?: Date | string | number;
  /** Show only the age ("3 min ago"); the UTC time is then in the tooltip. */
  ageOnly?: boolean;
}

export function RelativeTime({ at, now: initialNow, ageOnly = false }: RelativeTimeProps) {
  const now = useNow(1_000, initialNow);
  if (at === null || at === undefined) return <span className="muted">—</span>;
  const date = at instanceof Date ? at : new Date(at);
  if (Number.isNaN(date.getTime())) return <span className="muted">—</span>;
  const utc = formatUtcTimestamp(date);
  return (
    <time dateTime={date.toISOString()} title={utc} suppressHydrationWarning>
      {ageOnly ? null : <>{utc} · </>}
      <span className="muted" suppressHydrationWarning>
        {formatRelativeAge(date, now)}
      </span>
    </time>
  );
}
