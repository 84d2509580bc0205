'use client';
// The jobs table, polled live (progress moves while you watch). Filters and the page
// cursor are in the URL; the server rendered the first answer (initialData).
import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import type { JobView } from '@/lib/jobs/job-view';
import { DataTable, type DataColumn } from '../../components/data-table';
import { EmptyState } from '../../components/empty-state';
import { ErrorState } from '../../components/error-state';
import { Freshness, useLivePolling } from '../../components/freshness';
import { ProgressBar } from '../../components/progress-bar';
import { RelativeTime } from '../../components/relative-time';
import { StatusBadge } from '../../components/status-badge';
import { fetchJobs, type JobList } from './jobs-api';

const columns: DataColumn<JobView>[] = [
  { id: 'kind', header: 'Kind', cell: (j) => <Link href={`/jobs/${j.id}`} className="mono">{j.kind}</Link>, sortValue: (j) => j.kind },
  { id: 'scope', header: 'Scope', cell: (j) => <span className="mono">{j.scope}</span>, sortValue: (j) => j.scope },
  { id: 'state', header: 'State', cell: (j) => <StatusBadge status={j.state} title={j.error ?? undefined} />, sortValue: (j) => j.state },
  {
    id: 'progress',
    header: 'Progress',
    cell: (j) => (
      <ProgressBar label={`Progress of ${j.kind} ${j.scope}`} done={j.progress.done} total={j.progress.total} ratePerSecond={j.progress.ratePerSecond} etaSeconds={j.progress.etaSeconds} failures={j.progress.failures} />
    ),
    sortValue: (j) => j.progress.fraction,
    sortDescFirst: true,
  },
  { id: 'createdBy', header: 'Created by', cell: (j) => j.createdBy ?? '—', sortValue: (j) => j.createdBy },
  { id: 'created', header: 'Created (UTC)', cell: (j) => <RelativeTime at={j.createdAt} />, sortValue: (j) => j.createdAt, sortDescFirst: true },
];

export function JobsList({ initial, query, filtered }: { initial: JobList; query: string; filtered: boolean }) {
  const polling = useLivePolling(3_000);
  const { data, error, dataUpdatedAt, refetch } = useQuery({
    queryKey: ['jobs', 'list', query],
    queryFn: () => fetchJobs(query),
    initialData: initial,
    refetchInterval: polling.refetchInterval,
  });
  return (
    <>
      <Freshness updatedAt={dataUpdatedAt} paused={polling.paused} onPausedChange={polling.setPaused} intervalMs={polling.intervalMs} error={error?.message} />
      {error ? (
        <ErrorState title="Could not refresh the jobs." detail={error.message} onRetry={() => void refetch()}>
          The list below is from the last successful update. Check that the console reaches its database (<a href="/api/health">/api/health</a>).
        </ErrorState>
      ) : null}
      <DataTable
        caption="Background jobs"
        testId="jobs-table"
        rows={data.jobs}
        columns={columns}
        rowKey={(j) => j.id}
        nextCursor={data.next}
        empty={
          <EmptyState title={filtered ? 'No job matches these filters' : 'No jobs yet'}>
            {filtered
              ? 'Clear the filters to see every job.'
              : 'Jobs appear here when someone starts a replay, drift check, repair or rebuild (or a demo.count job: POST /api/jobs).'}
          </EmptyState>
        }
      />
    </>
  );
}
