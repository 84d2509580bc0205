import { formatAge, formatUtc } from '@/lib/domain/time';

export function UtcTime({ date, now }: { date: Date; now: Date }) {
  return (
    <time dateTime={date.toISOString()} title={date.toISOString()}>
      {formatUtc(date)} <span className="muted">({formatAge(date, now)})</span>
    </time>
  );
}
