'use client';

import { useQuery } from '@tanstack/react-query';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { SystemPulse } from '@/lib/read/get-system-pulse';
import { formatAge, formatUtc } from '@/lib/domain/time';
import { EmptyState } from '../components/empty-state';

async function fetchPulse(): Promise<SystemPulse> {
  const res = await fetch('/api/overview', { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`The console answered ${res.status}.`);
  return (await res.json()) as SystemPulse;
}

type Level = 'ok' | 'warn' | 'bad';
const icon: Record<Level, string> = { ok: '✓', warn: '⚠', bad: '✖' };

function Badge({ level, children }: { level: Level; children: string }) {
  return (
    <span className={`badge ${level}`}>
      <span aria-hidden="true">{icon[level]}</span> {children}
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
  if (data.outbox.total === 0) {
    return (
      <EmptyState title="No events yet">
        Nothing has been written to the outbox of this database. Run <code>npm run demo</code> to start the demo order flow, or point
        a service&apos;s outbox at this database.
      </EmptyState>
    );
  }
  const backlogAgeS = data.outbox.oldestUnpublishedAt ? (now.getTime() - new Date(data.outbox.oldestUnpublishedAt).getTime()) / 1000 : 0;
  const backlogLevel: Level = data.outbox.unpublished === 0 || backlogAgeS < 5 ? 'ok' : backlogAgeS < 60 ? 'warn' : 'bad';
  const minutes = data.windowSeconds / 60;
  const series = data.publishedSeries.map((p) => ({ time: formatUtc(new Date(p.at)).slice(11, 19), events: p.events }));

  return (
    <>
      <div className="grid-cards" style={{ gridTemplateColumns: 'minmax(260px, 1fr) minmax(320px, 2fr)' }}>
        <section className="panel" aria-labelledby="outbox-h">
          <h2 id="outbox-h">Outbox</h2>
          <p>
            Backlog: <strong data-testid="outbox-backlog">{data.outbox.unpublished}</strong> unpublished{' '}
            <Badge level={backlogLevel}>{backlogLevel === 'ok' ? 'flowing' : backlogLevel === 'warn' ? 'behind' : 'stuck'}</Badge>
          </p>
          <p className="muted">
            Oldest unpublished: <Time iso={data.outbox.oldestUnpublishedAt} now={now} />
            <br />
            Published in the last {minutes} min: {data.outbox.publishedInWindow} · events in the log: {data.outbox.total}
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
              // Failing: at least 5 % of what it finished in the window went to the DLQ.
              const failing = c.deadLettered > 0 && c.deadLettered >= 0.05 * (c.applied + c.deadLettered);
              const level: Level = failing ? 'bad' : c.deadLettered > 0 || c.retries > 0 || c.dlqOpen > 0 ? 'warn' : 'ok';
              const label = failing ? 'failing' : c.deadLettered > 0 ? 'dead-lettering' : c.retries > 0 ? 'retrying' : c.dlqOpen > 0 ? 'DLQ open' : 'healthy';
              return (
                <tr key={c.consumer}>
                  <td className="mono">{c.consumer}</td>
                  <td><Badge level={level}>{label}</Badge></td>
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
