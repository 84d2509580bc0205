'use client';
// Every projection, polled: state, active version, checkpoint, lag behind the log
// (events and seconds), row estimate, last drift check, last rebuild, the job running
// on it, and its versions. Each name links to the projection's page.
import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import { EmptyState } from '../../components/empty-state';
import { ErrorState } from '../../components/error-state';
import { Freshness, useLivePolling } from '../../components/freshness';
import { ProgressBar } from '../../components/progress-bar';
import { RelativeTime } from '../../components/relative-time';
import { StatusBadge } from '../../components/status-badge';
import { DriftResult, ProjectionState } from './projection-status';
import { fetchProjections } from './projections-api';

export function ProjectionsList() {
  const polling = useLivePolling(5_000);
  const { data, error, dataUpdatedAt, refetch } = useQuery({ queryKey: ['projections'], queryFn: fetchProjections, refetchInterval: polling.refetchInterval });
  return (
    <>
      <Freshness updatedAt={dataUpdatedAt || null} paused={polling.paused} onPausedChange={polling.setPaused} intervalMs={polling.intervalMs} error={error ? String(error.message) : null} />
      {error && !data ? (
        <ErrorState title="Projections could not be read" detail={error.message} onRetry={() => void refetch()}>Check that the console reaches the database (<a href="/api/health">/api/health</a>), then try again.</ErrorState>
      ) : null}
      {!data && !error ? <p className="muted" role="status">Loading projections…</p> : null}
      {data && data.projections.length === 0 ? (
        <EmptyState title="No projections registered">projection_registry is empty: run the migrations (npm run db:migrate).</EmptyState>
      ) : null}
      {data && data.projections.length > 0 ? (
        <table className="dense" data-testid="projections-table">
          <thead>
            <tr>
              <th scope="col">Projection</th><th scope="col">State</th><th scope="col">Active version</th><th scope="col">Checkpoint</th><th scope="col">Lag</th>
              <th scope="col">Rows (estimate)</th><th scope="col">Last drift check</th><th scope="col">Last rebuild</th><th scope="col">Versions</th>
            </tr>
          </thead>
          <tbody>
            {data.projections.map((p) => (
              <tr key={p.projection}>
                <td><Link href={`/projections/${encodeURIComponent(p.projection)}`}>{p.projection}</Link></td>
                <td>
                  <ProjectionState state={p.state} />
                  {p.activeJob ? (
                    <div style={{ minWidth: 160 }}>
                      <Link href={`/jobs/${p.activeJob.id}`}>{p.activeJob.kind.replace('projection.', '')}</Link> <StatusBadge status={p.activeJob.state} />
                      <ProgressBar label={`${p.projection} ${p.activeJob.kind}`} done={p.activeJob.progress.done} total={p.activeJob.progress.total} etaSeconds={p.activeJob.progress.etaSeconds} />
                    </div>
                  ) : null}
                </td>
                <td>v{p.version} <code>{p.table}</code></td>
                <td>{p.eventsApplied.toLocaleString('en')} events, <RelativeTime at={p.checkpointAt} /></td>
                <td>{p.lagEvents.toLocaleString('en')} events{p.lagSeconds !== null ? `, ${Math.round(p.lagSeconds)} s` : ''}</td>
                <td>{p.rowsEstimate === null ? '—' : p.rowsEstimate.toLocaleString('en')}</td>
                <td><DriftResult report={p.lastDrift} /> {p.lastDrift ? <RelativeTime at={p.lastDrift.startedAt} /> : null}</td>
                <td>{p.lastRebuild ? <><StatusBadge status={p.lastRebuild.state} /> <RelativeTime at={p.lastRebuild.createdAt} /></> : <span className="muted">never</span>}</td>
                <td>{p.versions.map((v) => `v${v.version} ${v.state}`).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}
