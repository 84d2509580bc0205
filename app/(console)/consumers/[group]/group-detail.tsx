'use client';
import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import type { ConsumerGroupDetail } from '@/lib/read/get-consumer-group';
import { WINDOWS, type HistoryWindow } from '@/lib/read/consumer-view';
import { formatRatePerSecond } from '@/lib/domain/format/time';
import { StatusBadge } from '../../../components/status-badge';
import { TimeSeriesChart } from '../../../components/time-series-chart';
import { RelativeTime } from '../../../components/relative-time';
import { EmptyState } from '../../../components/empty-state';
import { ErrorState } from '../../../components/error-state';
import { Freshness, useLivePolling } from '../../../components/freshness';
import { useUrlParam } from '../../../components/url-state';
import { SamplerBanner, fetchJson, seconds } from '../live-status';

function WindowTabs({ current, onChange }: { current: HistoryWindow; onChange: (w: string) => void }) {
  return (
    <div className="row" role="group" aria-label="History window">
      {WINDOWS.map((w) => (
        <button key={w} type="button" aria-pressed={w === current} className={w === current ? 'primary' : undefined} onClick={() => onChange(w)}>
          {w}
        </button>
      ))}
    </div>
  );
}

function Charts({ data }: { data: ConsumerGroupDetail }) {
  const pts = data.series;
  if (pts.length === 0) return <EmptyState title="No samples in this window">Pick a longer window, or wait for the sampler&apos;s next tick.</EmptyState>;
  // First and last points that have the figure (a group without a commit yet has no lag).
  const first = { lag: pts.find((p) => p.lag !== null)?.lag ?? null, seconds: pts.find((p) => p.seconds !== null)?.seconds ?? null };
  const last = pts.at(-1)!;
  const span = `over the last ${data.window}`;
  return (
    <div className="grid-cards" style={{ gridTemplateColumns: 'repeat(auto-fill, minmax(380px, 1fr))' }} data-testid="group-charts">
      <TimeSeriesChart title="Lag (messages)" unit="msg" points={pts.map((p) => ({ at: p.at, lag: p.lag }))} series={[{ key: 'lag', label: 'lag' }]}
        summary={`Lag went from ${first.lag ?? '—'} to ${last.lag ?? '—'} messages ${span}.`} />
      <TimeSeriesChart title="Seconds behind" unit="s" points={pts.map((p) => ({ at: p.at, seconds: p.seconds === null ? null : Math.round(p.seconds) }))} series={[{ key: 'seconds', label: 'seconds behind' }]}
        summary={`Seconds behind went from ${seconds(first.seconds, null)} to ${seconds(last.seconds, null)} ${span}.`} />
      {data.seriesSource === 'raw' ? (
        <TimeSeriesChart title="Consume and produce rate" unit="/s" points={pts.map((p) => ({ at: p.at, consume: p.consumeRate, produce: p.produceRate }))}
          series={[{ key: 'consume', label: 'consumed/s' }, { key: 'produce', label: 'produced/s' }]}
          summary={`Now consuming ${formatRatePerSecond(last.consumeRate)} while ${formatRatePerSecond(last.produceRate)} are produced.`} />
      ) : (
        <p className="muted">Rates are kept at sample resolution for 24 h; the 7 d view shows lag and seconds from the 1-minute rollups.</p>
      )}
    </div>
  );
}

export function GroupDetail({ groupId }: { groupId: string }) {
  const [windowParam, setWindow] = useUrlParam('window', { replace: true });
  const win = (WINDOWS as readonly string[]).includes(windowParam ?? '') ? (windowParam as HistoryWindow) : '1h';
  const live = useLivePolling(5_000);
  const { data, error, dataUpdatedAt, refetch } = useQuery({
    queryKey: ['consumers', groupId, 'detail', win],
    queryFn: () => fetchJson<ConsumerGroupDetail>(`/api/consumers/${encodeURIComponent(groupId)}?window=${win}`),
    refetchInterval: live.refetchInterval,
  });
  if (!data) {
    if (error) return <ErrorState title="Could not load this group" detail={error.message} onRetry={() => void refetch()}>If the group is new, wait for the sampler&apos;s next tick; otherwise go back to <Link href="/consumers">Consumers</Link>.</ErrorState>;
    return <p className="muted" role="status">Loading…</p>;
  }
  const g = data.group;
  return (
    <>
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <WindowTabs current={win} onChange={setWindow} />
        <Freshness updatedAt={dataUpdatedAt} paused={live.paused} onPausedChange={live.setPaused} intervalMs={live.intervalMs} error={error?.message ?? null} />
      </div>
      <SamplerBanner sampler={data.sampler} />
      <section className="panel" aria-label="Health" data-testid="group-health">
        <p>
          <StatusBadge status={g.status} testId="group-status" /> <span data-testid="group-evidence">{g.evidence}</span>
        </p>
        <p>
          Seconds behind: <strong data-testid="group-seconds">{seconds(g.secondsBehind, g.secondsLabel)}</strong>
          {g.secondsSource ? <span className="muted"> (from {g.secondsSource})</span> : null} · lag <strong data-testid="group-lag">{g.lag ?? 'no commit'}</strong> messages ·
          ETA {g.eta.text} · consuming {formatRatePerSecond(g.consumeRate)}, producing {formatRatePerSecond(g.produceRate)}
        </p>
        <p className="muted">
          {g.members} members, state {g.state} · replay-topic lag {g.replayLag ?? '—'} (apart from seconds behind)
          {g.noCommitPartitions ? ` · ${g.noCommitPartitions} partitions without a commit` : ''}
          {g.dataLossPartitions ? ` · ${g.dataLossPartitions} partitions lost data to retention` : ''} · sampled <RelativeTime at={data.sampledAt} />
        </p>
        <p>
          <Link href={`/dlq?consumer=${encodeURIComponent(g.consumer)}`}>{g.dlqOpen} open in the DLQ</Link> · <Link href="/runbooks">Runbooks</Link>
        </p>
      </section>
      <Charts data={data} />
      <h2>Partitions</h2>
      <table className="dense" data-testid="partitions-table">
        <thead>
          <tr>
            {['Topic', 'Partition', 'Committed', 'End', 'Lag', 'Seconds behind', 'Member'].map((h) => <th key={h} scope="col">{h}</th>)}
          </tr>
        </thead>
        <tbody>
          {data.partitions.map((p) => (
            <tr key={`${p.topic}/${p.partition}`}>
              <td className="mono">{p.topic}{p.replay ? <span className="badge muted">replay</span> : null}</td>
              <td>{p.partition}</td>
              <td>{p.committed ?? <span className="badge warn">no commit</span>}{p.dataLoss ? <span className="badge bad">data loss: {p.lost} messages</span> : null}</td>
              <td>{p.end}</td>
              <td>{p.lag ?? '—'}</td>
              <td>{p.replay ? <span className="muted">not counted</span> : seconds(p.seconds, null)}</td>
              <td className="mono small">{p.member ?? <span className="muted">unassigned</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Members</h2>
      {data.memberAssignments.length === 0 ? (
        <p className="muted">No member holds a partition{g.members ? ` (${g.members} members without assignments)` : ' — the group has no members'}.</p>
      ) : (
        <ul>
          {data.memberAssignments.map((m) => <li key={m.memberId}><span className="mono">{m.memberId}</span>: {m.partitions.join(', ')}</li>)}
        </ul>
      )}
      <h2>Status history ({win})</h2>
      <ol data-testid="status-history">
        {data.statusHistory.map((c) => (
          <li key={c.at}><RelativeTime at={c.at} /> <StatusBadge status={c.status as 'OK'} /> {c.evidence ?? ''}</li>
        ))}
      </ol>
    </>
  );
}
