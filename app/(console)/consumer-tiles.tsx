'use client';
// The Overview's consumer tiles (GET /api/consumers/overview). Every tile links to its
// detail: the journey "which consumer is behind, by how many seconds" is tile → Consumers
// (sorted by seconds behind) → group, or the worst-group tile straight to the group.
import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import type { ConsumersOverview } from '@/lib/read/get-consumers-overview';
import { formatDurationSeconds, formatRatePerSecond } from '@/lib/domain/format/time';
import { LAG_STATUSES } from '@/lib/read/consumer-view';
import { StatusBadge } from '../components/status-badge';
import { Freshness, useLivePolling } from '../components/freshness';
import { RelativeTime } from '../components/relative-time';
import { ErrorState } from '../components/error-state';
import { SamplerBanner, fetchJson, seconds } from './consumers/live-status';

const tileStyle = { display: 'block', color: 'inherit', textDecoration: 'none' } as const;

export function ConsumerTiles() {
  const live = useLivePolling(5_000);
  const { data, error, dataUpdatedAt, refetch } = useQuery({
    queryKey: ['consumers', 'overview'],
    queryFn: () => fetchJson<ConsumersOverview>('/api/consumers/overview'),
    refetchInterval: live.refetchInterval,
  });
  if (!data) {
    if (error) return <ErrorState title="Could not load the consumer figures" detail={error.message} onRetry={() => void refetch()}>Check that the console reaches its database (<a href="/api/health">/api/health</a>).</ErrorState>;
    return <p className="muted" role="status">Loading consumer figures…</p>;
  }
  const { groups, worst, dlq, outbox, relay, sampler } = data;
  return (
    <section aria-labelledby="consumers-tiles-h" data-testid="consumer-tiles">
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <h2 id="consumers-tiles-h">Consumers and outbox</h2>
        <Freshness updatedAt={dataUpdatedAt} paused={live.paused} onPausedChange={live.setPaused} intervalMs={live.intervalMs} error={error?.message ?? null} />
      </div>
      <SamplerBanner sampler={sampler} relay={relay} />
      <div className="grid-cards">
        <Link style={tileStyle} className="panel tile" href="/consumers" data-testid="tile-groups">
          <h3>Consumer groups</h3>
          <p><strong>{groups.total}</strong> groups</p>
          <p className="row">
            {LAG_STATUSES.filter((s) => groups.byStatus[s] > 0).map((s) => (
              <StatusBadge key={s} status={s} testId={`tile-status-${s}`}>{`${groups.byStatus[s]} ${s}`}</StatusBadge>
            ))}
            {groups.total === 0 ? <span className="muted">none sampled yet</span> : null}
          </p>
        </Link>
        <Link style={tileStyle} className="panel tile" href={worst ? `/consumers/${encodeURIComponent(worst.groupId)}` : '/consumers'} data-testid="tile-worst">
          <h3>Most behind</h3>
          {worst ? (
            <>
              <p><strong data-testid="worst-seconds">{seconds(worst.secondsBehind, worst.secondsLabel)}</strong> behind</p>
              <p><span className="mono">{worst.groupId}</span> <StatusBadge status={worst.status} title={worst.evidence} /></p>
              <p className="muted">lag {worst.lag ?? '—'} messages</p>
            </>
          ) : (
            <p className="muted">No group sampled yet.</p>
          )}
        </Link>
        <Link style={tileStyle} className="panel tile" href="/dlq" data-testid="tile-dlq">
          <h3>Dead letters</h3>
          <p><strong>{dlq.open}</strong> open</p>
          <p className="muted">{dlq.inflowPerMinute.toFixed(1)}/min dead-lettered over the last {dlq.windowSeconds / 60} min</p>
        </Link>
        <Link style={tileStyle} className="panel tile" href="/outbox" data-testid="tile-outbox">
          <h3>Outbox</h3>
          <p><strong>{outbox.backlog ?? '—'}</strong> unpublished</p>
          <p className="muted">oldest {outbox.oldestAgeSeconds === null ? 'none' : `${formatDurationSeconds(outbox.oldestAgeSeconds)} old`}</p>
        </Link>
        <Link style={tileStyle} className="panel tile" href="/outbox" data-testid="tile-relay">
          <h3>Relay</h3>
          <p><strong>{formatRatePerSecond(outbox.relayRate)}</strong> published (5 min)</p>
          <p>
            {relay.state === 'fresh' ? <StatusBadge status="live">{relay.instances > 1 ? `${relay.instances} running` : 'running'}</StatusBadge> : <StatusBadge status="failed">{relay.state === 'missing' ? 'never seen' : 'down'}</StatusBadge>}
          </p>
        </Link>
        <Link style={tileStyle} className="panel tile" href="/consumers" data-testid="tile-sampler">
          <h3>Lag sampler</h3>
          <p>
            {sampler.state === 'fresh' ? <StatusBadge status="live">fresh</StatusBadge> : <StatusBadge status="failed">{sampler.state}</StatusBadge>}
          </p>
          <p className="muted">last beat <RelativeTime at={sampler.lastBeatAt} ageOnly /></p>
        </Link>
      </div>
    </section>
  );
}
