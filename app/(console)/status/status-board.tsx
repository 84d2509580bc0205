'use client';
// The status page's live part: polls GET /api/status every STATUS_REFRESH_MS and shows the
// figures' age (and a loud "stale" when polls fail or are paused too long), then the
// areas with their history bars and the incidents of the last 7 days.
import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import type { StatusView } from '@/lib/read/get-status';
import { formatDurationSeconds } from '@/lib/domain/format/time';
import { runbookHref } from '@/lib/domain/checks/runbook-link';
import { StatusBadge } from '../../components/status-badge';
import { RelativeTime } from '../../components/relative-time';
import { EmptyState } from '../../components/empty-state';
import { ErrorState } from '../../components/error-state';
import { Freshness, useLivePolling } from '../../components/freshness';
import { fetchJson } from '../consumers/live-status';
import { HistoryBars } from './history-bars';

export const STATUS_REFRESH_MS = 5_000;
const AREA_TITLES = { platform: 'Platform', flow: 'Flow: outbox → Kafka', consumer: 'Consumers', projection: 'Projections' } as const;

export function StatusBoard({ initial }: { initial: StatusView }) {
  const live = useLivePolling(STATUS_REFRESH_MS);
  const { data, error, dataUpdatedAt, refetch } = useQuery({
    queryKey: ['status'],
    queryFn: () => fetchJson<StatusView>('/api/status'),
    refetchInterval: live.refetchInterval,
    initialData: initial,
    initialDataUpdatedAt: () => Date.parse(initial.now),
  });
  const s = data ?? initial;
  const areas = (Object.keys(AREA_TITLES) as (keyof typeof AREA_TITLES)[]).filter((a) => s.entities.some((e) => e.area === a));
  return (
    <>
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <p className="muted" data-testid="status-evaluated">
          Checks evaluated {s.evaluatedAt ? <RelativeTime at={s.evaluatedAt} now={s.now} /> : 'never (start the checker: npx tsx workers/checks/index.ts)'} · <Link href="/runbooks">Runbooks</Link>
        </p>
        <Freshness updatedAt={dataUpdatedAt} paused={live.paused} onPausedChange={live.setPaused} intervalMs={live.intervalMs} error={error?.message ?? null} />
      </div>
      {error ? (
        <ErrorState title="Could not refresh the status" detail={error.message} onRetry={() => void refetch()}>
          The figures below are from the last successful refresh. Check that the console reaches its database (<a href="/api/health">/api/health</a>).
        </ErrorState>
      ) : null}
      {s.entities.length === 0 ? <EmptyState title="No check results yet">The checker (workers/checks, started by npm run demo) writes them every few seconds.</EmptyState> : null}
      {areas.map((area) => (
        <section key={area} aria-labelledby={`status-${area}`}>
          <h2 id={`status-${area}`}>{AREA_TITLES[area]}</h2>
          <table className="dense" data-testid={`status-${area}`}>
            <thead><tr>{['State', 'Name', 'Not OK', 'Last 24 h', 'Last 7 d'].map((h) => <th key={h} scope="col">{h}</th>)}</tr></thead>
            <tbody>
              {s.entities.filter((e) => e.area === area).map((e) => (
                <tr key={`${e.area}:${e.subject}`} data-entity={e.subject} data-state={e.state}>
                  <td><StatusBadge status={e.state} title={e.checks.filter((c) => c.state !== 'OK').map((c) => c.evidence).join('\n') || undefined} /></td>
                  <td className={area === 'consumer' || area === 'projection' ? 'mono' : undefined}>{e.subject}</td>
                  <td>
                    {e.checks.filter((c) => c.state !== 'OK').map((c) => (
                      <div key={c.id}>
                        <StatusBadge status={c.state} /> {c.title}: {c.evidence} {runbookHref(c) ? <Link href={runbookHref(c)!}>Runbook →</Link> : null}
                      </div>
                    ))}
                  </td>
                  <td><HistoryBars bars={e.day} label={`${e.subject}, last 24 hours by hour`} /></td>
                  <td><HistoryBars bars={e.week} label={`${e.subject}, last 7 days by 6 hours`} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
      <h2>Incidents</h2>
      {s.incidents.length === 0 ? (
        <EmptyState title="No incidents in the last 7 days">Every period a check spends in WARN or CRIT is listed here with its start, end and duration.</EmptyState>
      ) : (
        <table className="dense" data-testid="incidents">
          <thead><tr>{['Worst', 'Check', 'Subject', 'Started', 'Ended', 'Duration', 'Evidence', 'Runbook'].map((h) => <th key={h} scope="col">{h}</th>)}</tr></thead>
          <tbody>
            {s.incidents.map((i) => (
              <tr key={i.id} data-check={i.checkId} data-open={i.endedAt ? 'no' : 'yes'}>
                <td><StatusBadge status={i.worstState} /></td>
                <td>{i.title}</td>
                <td className="mono">{i.subject}</td>
                <td><RelativeTime at={i.startedAt} now={s.now} /></td>
                <td>{i.endedAt ? <RelativeTime at={i.endedAt} now={s.now} /> : <StatusBadge status={i.worstState}>ongoing</StatusBadge>}</td>
                <td>{formatDurationSeconds(i.durationSeconds)}</td>
                <td title={i.lastEvidence}>{i.firstEvidence}</td>
                <td>{i.runbook ? <Link href={`/runbooks/${i.runbook.slug}?check=${encodeURIComponent(i.checkId)}`}>{i.runbook.title}</Link> : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
