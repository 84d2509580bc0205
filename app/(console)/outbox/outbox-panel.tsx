'use client';
import { useQuery } from '@tanstack/react-query';
import type { OutboxPanel } from '@/lib/read/get-outbox-panel';
import { WINDOWS, type HistoryWindow } from '@/lib/read/consumer-view';
import { formatDurationSeconds, formatRatePerSecond } from '@/lib/domain/format/time';
import { TimeSeriesChart } from '../../components/time-series-chart';
import { RelativeTime } from '../../components/relative-time';
import { EmptyState } from '../../components/empty-state';
import { ErrorState } from '../../components/error-state';
import { StatusBadge } from '../../components/status-badge';
import { Freshness, useLivePolling } from '../../components/freshness';
import { useUrlParam } from '../../components/url-state';
import { SamplerBanner, fetchJson } from '../consumers/live-status';

export function OutboxPanelView() {
  const [windowParam, setWindow] = useUrlParam('window', { replace: true });
  const win = (WINDOWS as readonly string[]).includes(windowParam ?? '') ? (windowParam as HistoryWindow) : '1h';
  const live = useLivePolling(5_000);
  const { data, error, dataUpdatedAt, refetch } = useQuery({
    queryKey: ['outbox', 'panel', win],
    queryFn: () => fetchJson<OutboxPanel>(`/api/outbox?window=${win}`),
    refetchInterval: live.refetchInterval,
  });
  if (!data) {
    if (error) return <ErrorState title="Could not load the outbox figures" detail={error.message} onRetry={() => void refetch()}>Check that the console reaches its database (<a href="/api/health">/api/health</a>).</ErrorState>;
    return <p className="muted" role="status">Loading…</p>;
  }
  const pts = data.series;
  const last = pts.at(-1);
  return (
    <>
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <div className="row" role="group" aria-label="History window">
          {WINDOWS.map((w) => (
            <button key={w} type="button" aria-pressed={w === win} className={w === win ? 'primary' : undefined} onClick={() => setWindow(w)}>{w}</button>
          ))}
        </div>
        <Freshness updatedAt={dataUpdatedAt} paused={live.paused} onPausedChange={live.setPaused} intervalMs={live.intervalMs} error={error?.message ?? null} />
      </div>
      <SamplerBanner sampler={data.sampler} relay={data.relay} />
      <section className="panel" data-testid="outbox-latest">
        {data.latest ? (
          <p>
            Backlog <strong>{data.latest.backlog}</strong> · oldest unpublished <RelativeTime at={data.latest.oldestUnpublishedAt} /> · relay {formatRatePerSecond(data.latest.relayRate)} ·
            relay {data.relay.state === 'fresh' ? <StatusBadge status="live">running ({data.relay.instances})</StatusBadge> : <StatusBadge status="failed">{data.relay.state === 'missing' ? 'never seen' : 'down'}</StatusBadge>}
            {data.relay.lastError ? <span className="muted"> · last problem: <span className="mono">{data.relay.lastError}</span></span> : null}
          </p>
        ) : (
          <EmptyState title="No outbox sample yet">The lag sampler writes one per tick: start it with npm run demo.</EmptyState>
        )}
      </section>
      {pts.length === 0 ? (
        <EmptyState title="No samples in this window">Pick a longer window, or start the lag sampler.</EmptyState>
      ) : (
        <div className="grid-cards" style={{ gridTemplateColumns: 'repeat(auto-fill, minmax(380px, 1fr))' }}>
          <TimeSeriesChart title="Backlog (unpublished rows)" points={pts.map((p) => ({ at: p.at, backlog: p.backlog }))} series={[{ key: 'backlog', label: 'backlog' }]} summary={`Backlog now ${last?.backlog ?? '—'} rows.`} />
          <TimeSeriesChart title="Oldest unpublished age" unit="s" points={pts.map((p) => ({ at: p.at, age: p.oldestAgeSeconds === null ? 0 : Math.round(p.oldestAgeSeconds) }))} series={[{ key: 'age', label: 'age' }]} summary={`Oldest unpublished row now ${formatDurationSeconds(last?.oldestAgeSeconds ?? 0)} old.`} />
          <TimeSeriesChart title="Relay rate" unit="/s" points={pts.map((p) => ({ at: p.at, rate: Math.round(p.relayRate * 10) / 10 }))} series={[{ key: 'rate', label: 'published/s' }]} summary={`Relay publishing ${formatRatePerSecond(last?.relayRate ?? null)}.`} />
        </div>
      )}
      <h2>Oldest unpublished rows</h2>
      {data.oldest.length === 0 ? (
        <EmptyState title="Nothing waiting">Every outbox row is published.</EmptyState>
      ) : (
        <table className="dense" data-testid="outbox-oldest">
          <thead>
            <tr>{['Position', 'Type', 'Subject', 'Topic', 'Created', 'Attempts', 'Last error'].map((h) => <th key={h} scope="col">{h}</th>)}</tr>
          </thead>
          <tbody>
            {data.oldest.map((r) => (
              <tr key={r.position}>
                <td>{r.position}</td>
                <td className="mono">{r.type}</td>
                <td className="mono">{r.subject}</td>
                <td className="mono">{r.topic}</td>
                <td><RelativeTime at={r.createdAt} /></td>
                <td>{r.publishAttempts}</td>
                <td className="mono small">{r.lastError ?? <span className="muted">—</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
