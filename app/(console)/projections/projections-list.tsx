'use client';
// Every projection, polled: active version, checkpoint, lag, rows, last drift check, state.
import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import type { ProjectionView } from '@/lib/read/list-projections';
import { EmptyState } from '../../components/empty-state';
import { ErrorState } from '../../components/error-state';
import { Freshness, useLivePolling } from '../../components/freshness';
import { RelativeTime } from '../../components/relative-time';
import { DriftResult, ProjectionState } from './projection-status';

async function fetchJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(((await res.json().catch(() => ({}))) as { message?: string }).message ?? `HTTP ${res.status}`);
  return (await res.json()) as T;
}

export function ProjectionsList() {
  const polling = useLivePolling(5_000);
  const { data, error, dataUpdatedAt } = useQuery({
    queryKey: ['projections'], queryFn: () => fetchJson<{ projections: ProjectionView[] }>('/api/projections'), refetchInterval: polling.refetchInterval,
  });
  return (
    <>
      <Freshness updatedAt={dataUpdatedAt || null} paused={polling.paused} onPausedChange={polling.setPaused} intervalMs={polling.intervalMs} error={error ? String(error.message) : null} />
      {error && !data ? <ErrorState title="Projections could not be read">{String(error.message)} — check that the console reaches the database, then reload.</ErrorState> : null}
      {data && data.projections.length === 0 ? (
        <EmptyState title="No projections registered">projection_registry is empty: run the migrations (npm run db:migrate).</EmptyState>
      ) : null}
      {data && data.projections.length > 0 ? (
        <table data-testid="projections-table">
          <thead>
            <tr><th>Projection</th><th>State</th><th>Active version</th><th>Checkpoint</th><th>Lag</th><th>Rows (estimate)</th><th>Last drift check</th><th>Versions</th></tr>
          </thead>
          <tbody>
            {data.projections.map((p) => (
              <tr key={p.projection}>
                <td><Link href={`/projections/${encodeURIComponent(p.projection)}`}>{p.projection}</Link></td>
                <td><ProjectionState state={p.state} />{p.activeJob ? <> <Link href={`/jobs/${p.activeJob.id}`}>{p.activeJob.kind} {p.activeJob.state}</Link></> : null}</td>
                <td>v{p.version} <code>{p.table}</code></td>
                <td>{p.eventsApplied.toLocaleString('en')} events, <RelativeTime at={p.checkpointAt} /></td>
                <td>{p.lagEvents.toLocaleString('en')} events{p.lagSeconds !== null ? `, ${Math.round(p.lagSeconds)} s` : ''}</td>
                <td>{p.rowsEstimate === null ? '—' : p.rowsEstimate.toLocaleString('en')}</td>
                <td><DriftResult report={p.lastDrift} /> {p.lastDrift ? <RelativeTime at={p.lastDrift.startedAt} /> : null}</td>
                <td>{p.versions.map((v) => `v${v.version} ${v.state}`).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}
