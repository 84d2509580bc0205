// A row of history bars (24 h or 7 d): one cell per bucket, coloured and labelled by the
// worst state in it, so the state never rests on colour alone (title + screen-reader text).
import type { Bar } from '@/lib/domain/checks/history-bars';
import { formatUtcTimestamp } from '@/lib/domain/format/time';

const tone = { OK: 'ok', WARN: 'warn', CRIT: 'bad' } as const;

/** `from`/`to` are Dates on the server and ISO strings once the bars came through JSON (the page polls /api/status). */
type WireBar = Omit<Bar, 'from' | 'to'> & { from: Date | string; to: Date | string };

export function HistoryBars({ bars, label }: { bars: WireBar[]; label: string }) {
  const bad = bars.filter((b) => b.state !== 'OK').length;
  return (
    <span className="history-bars" role="img" aria-label={`${label}: ${bad === 0 ? 'OK throughout' : `${bad} of ${bars.length} periods not OK`}`} style={{ display: 'inline-flex', gap: 1 }}>
      {bars.map((b) => (
        <span
          key={new Date(b.from).toISOString()}
          className={`badge ${tone[b.state]}`}
          data-state={b.state}
          title={`${formatUtcTimestamp(new Date(b.from))} – ${formatUtcTimestamp(new Date(b.to))}: ${b.state}`}
          style={{ width: 6, height: 18, padding: 0, minWidth: 0, opacity: b.state === 'OK' ? 0.5 : 1 }}
        />
      ))}
    </span>
  );
}
