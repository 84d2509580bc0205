import Link from 'next/link';
import { redirect } from 'next/navigation';
import { requirePageUser } from '@/lib/auth/require-page-user';
import { getConsoleContext } from '@/lib/console/context';
import { isAppError } from '@/lib/errors';
import { getTraces, type TracesView } from '@/lib/read/get-traces';
import { EmptyState } from '../../components/empty-state';
import { ErrorState } from '../../components/error-state';
import { RelativeTime } from '../../components/relative-time';
import { StatusBadge } from '../../components/status-badge';

export const dynamic = 'force-dynamic';

const one = (v: string | string[] | undefined) => (typeof v === 'string' && v !== '' ? v : undefined);

export default async function TracesPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requirePageUser();
  const params = await searchParams;
  const ctx = getConsoleContext();
  let view: TracesView;
  try {
    view = await getTraces(ctx.db, { q: one(params.q), after: one(params.after), limit: one(params.limit) as never }, ctx.now());
  } catch (error) {
    const message = isAppError(error) ? error.message : 'The flows could not be read.';
    return (
      <>
        <h1>Traces</h1>
        <ErrorState title="Could not load flows" detail={message}>Check the search or the link, or reload the page.</ErrorState>
      </>
    );
  }
  if (view.mode === 'search') {
    const { search } = view;
    // One flow: straight to its timeline (the header search's "paste → timeline" in one step).
    if (search.flows.length === 1 && search.untraced.length === 0) redirect(`/traces/${search.flows[0]!.traceId}`);
    return <SearchResults view={search} now={ctx.now()} />;
  }
  return <RecentFlowsView view={view.recent} now={ctx.now()} />;
}

function SearchResults({ view, now }: { view: Extract<TracesView, { mode: 'search' }>['search']; now: Date }) {
  return (
    <>
      <h1>Traces</h1>
      <p className="muted" data-testid="search-shape">
        Searched for <code>{view.query ?? '(nothing readable)'}</code>
        {view.shape === 'uuid' ? ' as an event id, DLQ row id, correlation id and order id' : view.shape === 'invalid' ? '' : ` as a ${view.shape}`}.
      </p>
      {view.flows.length === 0 && view.untraced.length === 0 ? (
        <EmptyState title="No flow matches">
          {view.shape === 'invalid'
            ? 'That is not an id: paste a trace id (32 hex digits), a traceparent, a UUID (event, order, correlation or DLQ id) or an order id.'
            : 'Nothing recorded under this id. Check it is complete; events older than the retention of their tables are gone.'}
        </EmptyState>
      ) : null}
      {view.flows.length > 0 ? (
        <section className="panel">
          <h2>{view.flows.length} flows match — choose one</h2>
          <ul data-testid="flow-choices">
            {view.flows.map((f) => (
              <li key={f.traceId}>
                <Link href={`/traces/${f.traceId}`}>{f.firstType ?? 'flow'} · {f.subject ?? f.traceId}</Link>{' '}
                <span className="muted">
                  (matched as {f.matchedAs.join(', ')}) <RelativeTime at={f.startedAt} now={now} />
                </span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {view.untraced.length > 0 ? (
        <section className="panel">
          <h2>Dead letters without a trace</h2>
          <ul>
            {view.untraced.map((u) => (
              <li key={u.dlqId}>
                <Link href={`/dlq/messages/${u.dlqId}`}>{u.dlqId}</Link> — dead-lettered by {u.consumer}: {u.errorCode} <RelativeTime at={u.lastFailedAt} now={now} />
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
}

function RecentFlowsView({ view, now }: { view: Extract<TracesView, { mode: 'recent' }>['recent']; now: Date }) {
  return (
    <>
      <h1>Traces</h1>
      {view.attention.length > 0 ? (
        <section className="panel" data-testid="attention">
          <h2>Needs attention</h2>
          <ul>
            {view.attention.map((a, i) => (
              <li key={`${a.kind}-${a.dlqId ?? a.traceId}-${i}`}>
                <StatusBadge status={a.kind === 'dead-lettered' ? 'open' : a.kind === 'retrying' ? 'WARN' : 'STALL'}>{a.kind}</StatusBadge>{' '}
                {a.traceId ? <Link href={`/traces/${a.traceId}`}>{a.reason}</Link> : a.reason}
                {a.dlqId ? <> · <Link href={`/dlq/messages/${a.dlqId}`}>DLQ row</Link></> : null} <RelativeTime at={a.at} now={now} />
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {view.flows.length === 0 ? (
        <EmptyState title="No flows yet">
          Search by trace ID, event ID or order ID in the box above to see one flow&apos;s timeline: outbox write, publish, each consumer&apos;s attempts, DLQ and replays, projection updates. Recent flows appear here once commands write events to the outbox (run the demo traffic).
        </EmptyState>
      ) : (
        <div className="table-scroll">
          <table data-testid="recent-flows">
            <caption>Recent flows, newest first; flows with failures lead each page</caption>
            <thead>
              <tr><th scope="col">Flow</th><th scope="col">Subject</th><th scope="col">Started</th><th scope="col">Status</th></tr>
            </thead>
            <tbody>
              {view.flows.map((f) => (
                <tr key={f.traceId}>
                  <td><Link href={`/traces/${f.traceId}`}>{f.firstType}</Link></td>
                  <td><code>{f.subject}</code></td>
                  <td><RelativeTime at={f.startedAt} now={now} /></td>
                  <td>
                    {f.openDeadLetters > 0 ? <StatusBadge status="open">{f.openDeadLetters} dead-lettered</StatusBadge> : null}{' '}
                    {f.failedAttempts > 0 ? <StatusBadge status="WARN">{f.failedAttempts} failed attempts</StatusBadge> : null}
                    {f.openDeadLetters + f.failedAttempts === 0 ? <StatusBadge status="OK">no failures</StatusBadge> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {view.next ? (
        <p className="pager"><Link href={`/traces?after=${encodeURIComponent(view.next)}`}>Older flows →</Link></p>
      ) : null}
    </>
  );
}
