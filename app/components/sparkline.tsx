// A tiny inline trend (plain SVG, no chart library: it sits in table cells by the
// hundred). The accessible name says what the line shows in words.
export interface SparklineProps {
  values: readonly (number | null)[];
  /** What the line shows, e.g. "Lag in seconds over the last 30 min: 0 to 42, now 12". */
  label: string;
  width?: number;
  height?: number;
  /** A CSS colour; the accent by default. */
  color?: string;
}

export function sparklinePoints(values: readonly (number | null)[], width: number, height: number): string {
  const known = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (known.length === 0) return '';
  const min = Math.min(...known);
  const max = Math.max(...known);
  const span = max - min || 1;
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  return values
    .map((v, i) => (v === null || !Number.isFinite(v) ? null : `${(i * step).toFixed(1)},${(height - 1 - ((v - min) / span) * (height - 2)).toFixed(1)}`))
    .filter((p): p is string => p !== null)
    .join(' ');
}

export function Sparkline({ values, label, width = 80, height = 20, color = 'var(--accent)' }: SparklineProps) {
  const points = sparklinePoints(values, width, height);
  return (
    <svg className="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
      <title>{label}</title>
      {points ? <polyline points={points} fill="none" stroke={color} strokeWidth={1.5} strokeLinejoin="round" /> : null}
    </svg>
  );
}
