'use client';
import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import type { ConsumerGroupList, ListedConsumerGroup } from '@/lib/read/list-consumer-groups';
import { LAG_STATUSES } from '@/lib/read/consumer-view';
import { StatusBadge } from '../../components/status-badge';
import { Sparkline } from '../../components/sparkline';
import { DataTable, type DataColumn } from '../../components/data-table';
import { EmptyState } from '../../components/empty-state';
import { ErrorState } from '../../components/error-state';
import { Freshness, useLivePolling } from '../../components/freshness';
import { useUrlParams } from '../../components/url-state';
import { SamplerBanner, fetchJson, seconds } from './live-status';

const FILTER_KEYS = ['status', 'topic', 'q', 'sort'] as const;

const columns: DataColumn<ListedConsumerGroup>[] = [
  { id: 'group', header: 'Group', sortValue: (g) => g.groupId, cell: (g) => <Link className="mono" href={`/consumers/${encodeURIComponent(g.groupId)}`}>{g.groupId}</Link> },
  {
    id: 'status',
    header: 'Status',
    sortValue: (g) => g.status,
    sortDescFirst: true,
    cell: (g) => (
      <>
        <StatusBadge status={g.status} title={g.evidence} testId={`status-${g.groupId}`} />
        <div className="muted small">{g.evidence}</div>
      </>
    ),
  },
  { id: 'lag', header: 'Lag (messages)', sortValue: (g) => g.lag, sortDescFirst: true, className: 'num', cell: (g) => (g.lag === null ? <span className="muted">no commit</span> : g.lag) },
  { id: 'seconds', header: 'Seconds behind', sortValue: (g) => g.secondsBehind, sortDescFirst: true, className: 'num', cell: (g) => <span data-testid={`seconds-${g.groupId}`}>{seconds(g.secondsBehind, g.secondsLabel)}</span> },
  { id: 'eta', header: 'ETA', cell: (g) => (g.eta.state === 'not-draining' ? <strong>not draining</strong> : g.eta.text) },
  { id: 'members', header: 'Members', cell: (g) => `${g.members} (${g.state})` },
  { id: 'trend', header: 'Lag, 15 min', cell: (g) => <Sparkline values={g.sparkline.map((p) => p.lag)} label={`Lag of ${g.groupId} over the last 15 min`} /> },
];

export function ConsumersList() {
  const { params, set } = useUrlParams();
  const qs = new URLSearchParams(FILTER_KEYS.flatMap((k) => (params.get(k) ? [[k, params.get(k)!]] : []))).toString();
  const live = useLivePolling(5_000);
  const { data, error, dataUpdatedAt, refetch } = useQuery({
    queryKey: ['consumers', 'list', qs],
    queryFn: () => fetchJson<ConsumerGroupList>(`/api/consumers${qs ? `?${qs}` : ''}`),
    refetchInterval: live.refetchInterval,
  });

  function onFilter(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    set({ status: String(form.get('status') ?? '') || null, topic: String(form.get('topic') ?? '') || null, q: String(form.get('q') ?? '') || null });
  }

  return (
    <>
      <form className="row" onSubmit={onFilter} aria-label="Filter consumer groups" key={qs}>
        <div>
          <label htmlFor="f-status">Status</label>
          <select id="f-status" name="status" defaultValue={params.get('status') ?? ''}>
            <option value="">any</option>
            <option value="ERR,STOP,STALL,REWIND,WARN">not OK</option>
            {LAG_STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </div>
        <div>
          <label htmlFor="f-topic">Topic</label>
          <select id="f-topic" name="topic" defaultValue={params.get('topic') ?? ''}>
            <option value="">any</option>
            {(data?.topics ?? []).map((t) => <option key={t} value={t}>{t}</option>)}
          </select>
        </div>
        <div>
          <label htmlFor="f-q">Group or evidence contains</label>
          <input id="f-q" name="q" type="search" defaultValue={params.get('q') ?? ''} />
        </div>
        <button type="submit">Filter</button>
        {qs ? <Link href="/consumers">Clear</Link> : null}
        <Freshness updatedAt={dataUpdatedAt} paused={live.paused} onPausedChange={live.setPaused} intervalMs={live.intervalMs} error={error?.message ?? null} />
      </form>
      {data ? <SamplerBanner sampler={data.sampler} /> : null}
      {!data && error ? (
        <ErrorState title="Could not load the consumer groups" detail={error.message} onRetry={() => void refetch()}>The filters may be invalid; Clear resets them.</ErrorState>
      ) : !data ? (
        <p className="muted" role="status">Loading consumer groups…</p>
      ) : (
        <>
          <p className="muted">
            {data.matched} of {data.total} groups{data.matched > data.groups.length ? ` (first ${data.groups.length} shown)` : ''}; default order: seconds behind, worst first.
          </p>
          <DataTable
            caption="Consumer groups"
            rows={data.groups}
            columns={columns}
            rowKey={(g) => g.groupId}
            manualSorting
            testId="consumer-groups"
            empty={
              <EmptyState title={data.total === 0 ? 'No consumer groups sampled yet' : 'No group matches these filters'}>
                {data.total === 0
                  ? 'Consumer groups with lag in messages and seconds, health and history appear here after the lag sampler\'s first tick. Start the consumers and the sampler with npm run demo.'
                  : 'Clear the filters to see every group.'}
              </EmptyState>
            }
          />
        </>
      )}
    </>
  );
}
