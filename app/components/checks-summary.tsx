'use client';
// Live checks (GET /api/checks), wherever checks are shown: the Overview's summary, a
// runbook's "live state" and the runbooks list. A check that is not OK links to its
// runbook (with the check in the URL, so the runbook's actions open that subject):
// Overview CRIT → runbook → first action is three clicks.
import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import type { CheckView, ChecksView } from '@/lib/read/list-checks';
import { runbookHref } from '@/lib/domain/checks/runbook-link';
import { StatusBadge } from './status-badge';
import { RelativeTime } from './relative-time';
import { Freshness, useLivePolling } from './freshness';
import { ErrorState } from './error-state';
import { EmptyState } from './empty-state';

async function fetchChecks(): Promise<ChecksView> {
  const res = await fetch('/api/checks', { headers: { accept: 'application/json' } });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
  }
  return (await res.json()) as ChecksView;
}

export function useChecks(initial?: ChecksView) {
  const live = useLivePolling(5_000);
  const q = useQuery({ queryKey: ['checks'], queryFn: fetchChecks, refetchInterval: live.refetchInterval, initialData: initial });
  return { ...q, live };
}

/** One row per check: state, what and whom, since when, the evidence, the runbook. */
export function CheckTable({ checks, now, testId }: { checks: CheckView[]; now?: string; testId?: string }) {
  return (
    <table className="dense" data-testid={testId ?? 'check-table'}>
      <thead>
        <tr>{['State', 'Check', 'Subject', 'Since', 'Evidence', 'Runbook'].map((h) => <th key={h} scope="col">{h}</th>)}</tr>
      </thead>
      <tbody>
        {checks.map((c) => {
          const href = runbookHref(c);
          return (
            <tr key={c.id} data-check={c.id} data-state={c.state}>
              <td><StatusBadge status={c.state} title={c.evidence} /></td>
              <td>{c.title}</td>
              <td className="mono">{c.subject}</td>
              <td><RelativeTime at={c.since} now={now} ageOnly /></td>
              <td>{c.evidence}</td>
              <td>{href && c.state !== 'OK' ? <Link href={href} data-testid={`runbook-link-${c.id}`}>{c.runbook!.title} →</Link> : c.runbook ? <Link className="muted" href={href!}>{c.runbook.title}</Link> : '—'}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Live table of the checks of `kinds` (all when omitted). */
export function LiveChecks({ kinds, initial, emptyText }: { kinds?: string[]; initial?: ChecksView; emptyText?: string }) {
  const { data, error, dataUpdatedAt, refetch, live } = useChecks(initial);
  const checks = (data?.checks ?? []).filter((c) => !kinds || kinds.includes(c.kind));
  return (
    <section data-testid="live-checks">
      <Freshness updatedAt={dataUpdatedAt} paused={live.paused} onPausedChange={live.setPaused} intervalMs={live.intervalMs} error={error?.message ?? null} />
      {error && !data ? (
        <ErrorState title="Could not load the checks" detail={error.message} onRetry={() => void refetch()}>
          Check that the console reaches its database (<a href="/api/health">/api/health</a>); if PostgreSQL is down, follow <Link href="/runbooks/postgres-unreachable">PostgreSQL unreachable</Link>.
        </ErrorState>
      ) : checks.length === 0 ? (
        <EmptyState title="No check results yet">{emptyText ?? 'The checker (workers/checks, started by npm run demo) has not evaluated these checks yet. Start it: npx tsx workers/checks/index.ts'}</EmptyState>
      ) : (
        <CheckTable checks={checks} />
      )}
    </section>
  );
}

/** The Overview's checks tile: counts by state and every check that is not OK, each linking to its runbook. */
export function ChecksSummary() {
  const { data, error, dataUpdatedAt, refetch, live } = useChecks();
  if (!data) {
    if (error) return <ErrorState title="Could not load the checks" detail={error.message} onRetry={() => void refetch()}>Check that the console reaches its database.</ErrorState>;
    return <p className="muted" role="status">Loading checks…</p>;
  }
  const bad = data.checks.filter((c) => c.state !== 'OK');
  return (
    <section aria-labelledby="checks-summary-h" className="panel" data-testid="checks-summary">
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <h2 id="checks-summary-h">Checks</h2>
        <Freshness updatedAt={dataUpdatedAt} paused={live.paused} onPausedChange={live.setPaused} intervalMs={live.intervalMs} error={error?.message ?? null} />
      </div>
      <p className="row">
        {(['CRIT', 'WARN', 'OK'] as const).map((s) => <StatusBadge key={s} status={s} testId={`checks-count-${s}`}>{`${data.counts[s]} ${s}`}</StatusBadge>)}
        <Link href="/status">Status page →</Link>
      </p>
      {bad.length === 0 ? (
        <p className="muted">Every check is OK.</p>
      ) : (
        <ul data-testid="checks-not-ok">
          {bad.map((c) => {
            const href = runbookHref(c);
            return (
              <li key={c.id} data-check={c.id}>
                <StatusBadge status={c.state} title={c.evidence} /> {c.title} <span className="mono">{c.subject}</span> — {c.evidence}{' '}
                {href ? <Link href={href} data-testid={`summary-runbook-${c.id}`}>Runbook: {c.runbook!.title} →</Link> : null}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
