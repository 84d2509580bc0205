'use client';

import { useQuery } from '@tanstack/react-query';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { SystemPulse } from '@/lib/read/get-system-pulse';
import type { Health } from '@/lib/read/pulse-health';
import { apiErrorMessage } from '@/lib/http/api-error';
import { formatAge, formatUtc } from '@/lib/domain/time';
import { EmptyState } from '../components/empty-state';

async function fetchPulse(): Promise<SystemPulse> {
  const res = await fetch('/api/overview', { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(await apiErrorMessage(res));
  return (await res.json()) as SystemPulse;
}

const icon: Record<Health['level'], string> = { ok: '✓', warn: '⚠', bad: '✖' };

// The server decides the verdict (lib/read/pulse-health.ts); this only draws it.
function Badge({ health }: { health: Health }) {
  return (
    <span className={`badge ${health.level}`}>
      <span aria-hidden="true">{icon[health.level]}</span> {health.label}
    </span>
  );
}

function Time({ iso, now }: { iso: string | null; now: Date }) {
  if (!iso) return <span className="muted">—</span>;
  const d = new Date(iso);
  return (
    <time dateTime={iso} title={iso}>
      {formatUtc(d)} <span className="muted">({formatAge(d, now)})</span>
    </time>
  );
}

export function SystemPulsePanel() {
  const { data, error, isPending } = useQuery({ queryKey: ['overview', 'pulse'], queryFn: fetchPulse, refetchInterval: 5_000 });
  if (isPending) return <p className="muted" role="status">Loading live figures…</p>;
  if (error || !data) {
    return (
      <div className="error-box" role="alert">
        Could not load the live figures ({error?.message ?? 'no data'}). Retrying every 5 s. If it persists, check that the console
        reaches its database: <a href="/api/health">/api/health</a>.
      </div>
    );
  }
  const now = new Date(data.at);
  if (data.outbox.lastPosition === null) {
    return (
      <EmptyState title="No events yet">
        Nothing has been written to the outbox of this database. Run <code>npm run demo</code> to start the demo order flow, or point
        a service&apos;s outbox at this database.
      </EmptyState>
    );
  }
  const minutes = data.windowSeconds / 60;
  const series = data.publishedSeries.map((p) => ({ time: formatUtc(new Date(p.at)).slice(11, 19), events: p.events }));

  return (
    <>
      <div className="grid-cards" style={{ gridTemplateColumns: 'minmax(260px, 1fr) minmax(320px, 2fr)' }}>
        <section className="panel" aria-labelledby="outbox-h">
          <h2 id="outbox-h">Outbox</h2>
          <p>
            Backlog: <strong data-testid="outbox-backlog">{data.outbox.unpublished}{data.outbox.unpublishedCapped ? '+' : ''}</strong> unpublished{' '}
            <Badge health={data.outbox.health} />
          </p>
          <p className="muted">
            Oldest unpublished: <Time iso={data.outbox.oldestUnpublishedAt} now={now} />
            <br />
            Published in the last {minutes} min: {data.outbox.publishedInWindow} · last log position: {data.outbox.lastPosition}
          </p>
        </section>
        <section className="panel" aria-labelledby="rate-h">
          <h2 id="rate-h">Published events per {data.bucketSeconds} s (last {minutes} min, UTC)</h2>
          <div style={{ width: '100%', height: 140 }} role="img" aria-label={`Bar chart: ${data.outbox.publishedInWindow} events published in the last ${minutes} minutes`}>
            <ResponsiveContainer>
              <BarChart data={series} margin={{ top: 4, right: 4, bottom: 0, left: -20 }}>
                <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
                <XAxis dataKey="time" tick={{ fontSize: 11, fill: 'var(--muted)' }} />
                <YAxis allowDecimals={false} tick={{ fontSize: 11, fill: 'var(--muted)' }} />
                <Tooltip contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)' }} />
                <Bar dataKey="events" fill="var(--accent)" isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          </div>
        </section>
      </div>

      <h2>Consumers (last {minutes} min)</h2>
      {data.consumers.length === 0 ? (
        <EmptyState title="No consumer activity in the window">Consumers record every attempt; none did any work in the last {minutes} minutes. Are they running?</EmptyState>
      ) : (
        <table className="dense" data-testid="consumers-table">
          <thead>
            <tr>
              <th scope="col">Consumer</th>
              <th scope="col">Status</th>
              <th scope="col">Applied</th>
              <th scope="col">Duplicates skipped</th>
              <th scope="col">Retries</th>
              <th scope="col">Dead-lettered</th>
              <th scope="col">Open in DLQ</th>
              <th scope="col">Last activity (UTC)</th>
            </tr>
          </thead>
          <tbody>
            {data.consumers.map((c) => {
              return (
                <tr key={c.consumer}>
                  <td className="mono">{c.consumer}</td>
                  <td><Badge health={c.health} /></td>
                  <td>{c.applied}</td>
                  <td>{c.duplicates}</td>
                  <td>{c.retries}</td>
                  <td>{c.deadLettered}</td>
                  <td>{c.dlqOpen}</td>
                  <td><Time iso={c.lastActivityAt} now={now} /></td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}

      <h2>Projections</h2>
      {data.projections.length === 0 ? (
        <EmptyState title="No projection has applied an event yet">Projections write a checkpoint with every batch they apply.</EmptyState>
      ) : (
        <table className="dense">
          <thead>
            <tr>
              <th scope="col">Projection</th>
              <th scope="col">Events applied</th>
              <th scope="col">Last checkpoint (UTC)</th>
            </tr>
          </thead>
          <tbody>
            {data.projections.map((p) => (
              <tr key={p.projection}>
                <td className="mono">{p.projection}</td>
                <td>{p.eventsApplied}</td>
                <td><Time iso={p.updatedAt} now={now} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="muted" style={{ marginTop: 12 }}>Refreshes every 5 s. Lag in messages and seconds per consumer group comes with the Consumers screen.</p>
    </>
  );
}
