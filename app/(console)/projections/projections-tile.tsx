'use client';
// The Overview's projections tile: each projection with its state and last drift
// check, linking straight to its page — the journey "is this read model right? fix
// it" starts here (Overview → projection → drift check → rebuild → swap).
import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import { ErrorState } from '../../components/error-state';
import { useLivePolling } from '../../components/freshness';
import { RelativeTime } from '../../components/relative-time';
import { DriftResult, ProjectionState } from './projection-status';
import { fetchProjections } from './projections-api';

export function ProjectionsTile() {
  const live = useLivePolling(5_000);
  const { data, error, refetch } = useQuery({ queryKey: ['projections'], queryFn: fetchProjections, refetchInterval: live.refetchInterval });
  return (
    <section className="panel tile" aria-labelledby="projections-tile-h" data-testid="projections-tile">
      <h3 id="projections-tile-h"><Link href="/projections">Projections</Link></h3>
      {error && !data ? <ErrorState title="Could not load the projections" detail={error.message} onRetry={() => void refetch()}>Check that the console reaches its database.</ErrorState> : null}
      {!data && !error ? <p className="muted" role="status">Loading…</p> : null}
      {data && data.projections.length === 0 ? <p className="muted">None registered: run the migrations.</p> : null}
      {data ? (
        <ul style={{ listStyle: 'none', padding: 0, margin: 0, display: 'grid', gap: 6 }}>
          {data.projections.map((p) => (
            <li key={p.projection} data-testid={`tile-projection-${p.projection}`}>
              <Link href={`/projections/${encodeURIComponent(p.projection)}`} className="mono">{p.projection}</Link>{' '}
              <ProjectionState state={p.state} /> <DriftResult report={p.lastDrift} />{' '}
              {p.lastDrift ? <span className="muted"><RelativeTime at={p.lastDrift.startedAt} ageOnly /></span> : null}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
