// Progress of a long operation: done/total, percentage, rate, ETA and failures, as a
// bar and as words. role=progressbar carries the numbers for screen readers; without
// a total the bar is indeterminate (no aria-valuenow), as ARIA asks.
import { formatCount, formatEta, formatPercent, formatRatePerSecond } from '@/lib/domain/format/time';

export interface ProgressBarProps {
  label: string;
  done: number;
  total: number | null;
  /** Items per second (null: unknown or not running). */
  ratePerSecond?: number | null;
  etaSeconds?: number | null;
  failures?: number;
  testId?: string;
}

export function ProgressBar({ label, done, total, ratePerSecond, etaSeconds, failures = 0, testId }: ProgressBarProps) {
  const percent = formatPercent(done, total);
  const width = total === null ? null : total <= 0 ? 100 : Math.min(100, Math.max(0, (done / total) * 100));
  const amount = total === null ? `${formatCount(done)} done` : `${formatCount(done)} / ${formatCount(total)}`;
  const words = [amount, percent, ratePerSecond !== undefined ? formatRatePerSecond(ratePerSecond) : null, etaSeconds !== undefined ? formatEta(etaSeconds) : null]
    .filter((w): w is string => w !== null && w !== '—')
    .join(' · ');
  return (
    <div className="progress" data-testid={testId}>
      <div
        className="progress-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={total ?? undefined}
        aria-valuenow={total === null ? undefined : Math.min(done, Math.max(total, 0))}
        aria-valuetext={percent ? `${amount} (${percent})` : amount}
      >
        <div className={`progress-fill${width === null ? ' indeterminate' : ''}${failures > 0 ? ' has-failures' : ''}`} style={width === null ? undefined : { width: `${width}%` }} />
      </div>
      <div className="progress-words">
        <span>{words}</span>
        {failures > 0 ? (
          <span className="badge bad">
            <span aria-hidden="true">✖</span> {formatCount(failures)} failed
          </span>
        ) : null}
      </div>
    </div>
  );
}
