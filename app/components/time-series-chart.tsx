'use client';
// The one time-series chart (recharts): several series over a UTC time axis. The
// chart is an image to screen readers; `summary` says in words what it shows, and
// is also printed under the chart, so the figures are there without the picture.
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatUtcTimestamp } from '@/lib/domain/format/time';

export interface TimeSeriesPoint {
  /** Epoch milliseconds or an ISO string. */
  at: number | string;
  [series: string]: number | string | null;
}

export interface TimeSeries {
  key: string;
  label: string;
  /** A CSS colour; the palette below by default. */
  color?: string;
}

export interface TimeSeriesChartProps {
  title: string;
  points: readonly TimeSeriesPoint[];
  series: readonly TimeSeries[];
  /** In words: what the chart shows, e.g. "Lag of payments rose from 0 to 42 s in the last 30 min". */
  summary: string;
  height?: number;
  /** Unit for the axis and tooltip, e.g. "s" or "msg". */
  unit?: string;
}

const palette = ['var(--accent)', 'var(--warn)', 'var(--bad)', 'var(--ok)', 'var(--muted)'];
const clock = (ms: number) => formatUtcTimestamp(new Date(ms)).slice(11, 19);

export function TimeSeriesChart({ title, points, series, summary, height = 200, unit }: TimeSeriesChartProps) {
  const data = points.map((p) => ({ ...p, at: typeof p.at === 'number' ? p.at : Date.parse(p.at) }));
  return (
    <figure className="chart">
      <figcaption>{title} (UTC)</figcaption>
      <div style={{ width: '100%', height }} role="img" aria-label={`${title}: ${summary}`}>
        <ResponsiveContainer>
          <LineChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: -12 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
            <XAxis dataKey="at" type="number" scale="time" domain={['dataMin', 'dataMax']} tickFormatter={clock} tick={{ fontSize: 11, fill: 'var(--muted)' }} />
            <YAxis unit={unit} allowDecimals={false} tick={{ fontSize: 11, fill: 'var(--muted)' }} />
            <Tooltip
              labelFormatter={(v) => formatUtcTimestamp(new Date(Number(v)))}
              formatter={(v) => (unit ? `${String(v)} ${unit}` : String(v))}
              contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)', color: 'var(--text)' }}
            />
            {series.length > 1 ? <Legend wrapperStyle={{ fontSize: 12 }} /> : null}
            {series.map((s, i) => (
              <Line key={s.key} dataKey={s.key} name={s.label} stroke={s.color ?? palette[i % palette.length]} dot={false} isAnimationActive={false} connectNulls={false} />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
      <p className="muted chart-summary">{summary}</p>
    </figure>
  );
}
