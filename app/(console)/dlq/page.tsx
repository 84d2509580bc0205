import Link from 'next/link';
import { requirePageUser } from '@/lib/auth/require-page-user';
import { getConsoleContext } from '@/lib/console/context';
import { mayPerform } from '@/lib/domain/roles';
import { listDlqCauses, listDlqCausesQuery } from '@/lib/read/list-dlq-causes';
import { EmptyState } from '../../components/empty-state';
import { RelativeTime } from '../../components/relative-time';
import { Sparkline } from '../../components/sparkline';
import { StatusBadge } from '../../components/status-badge';
import { consoleDlqDeps } from '@/lib/console/dlq-deps';
import { getDlqRateCap } from '@/lib/read/get-dlq-rate-cap';
import { RateCap } from './rate-cap';
import { ReplayPanel } from './replay-panel';

export const dynamic = 'force-dynamic';

type Search = Promise<Record<string, string | string[] | undefined>>;

/** Failure groups by cause, newest failure first; every filter lives in the URL. */
export default async function DlqPage({ searchParams }: { searchParams: Search }) {
  const user = await requirePageUser();
  const raw = Object.fromEntries(Object.entries(await searchParams).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));
  // `trace` is what the trace timeline links with ("Replay this flow's failed steps").
  if (raw.trace && !raw.traceId) raw.traceId = raw.trace;
  delete raw.trace;
  const parsed = listDlqCausesQuery.safeParse({ status: 'open', ...raw });
  const query = parsed.success ? parsed.data : listDlqCausesQuery.parse({ status: 'open' });
  const ctx = getConsoleContext();
  const now = ctx.now();
  const [{ causes, nextCursor }, cap] = await Promise.all([listDlqCauses(ctx.db, query, now), getDlqRateCap(ctx.db, consoleDlqDeps(ctx).limits.rateCap)]);
  const filterParams = new URLSearchParams(Object.entries(raw).filter(([k]) => k !== 'cursor'));
  const exportHref = `/api/dlq/export?${filterParams.toString()}`;

  return (
    <>
      <h1>Dead-letter queue</h1>
      <RateCap rateCap={cap.rateCap} source={cap.source} updatedBy={cap.updatedBy} canChange={mayPerform(user.role, 'dlq.rate.update')} />
      <form className="row panel" method="get" aria-label="Filter failure groups">
        <label htmlFor="consumer" style={{ margin: 0 }}>Consumer</label>
        <input id="consumer" name="consumer" defaultValue={query.consumer ?? ''} placeholder="shipping" />
        <label htmlFor="eventType" style={{ margin: 0 }}>Event type</label>
        <input id="eventType" name="eventType" defaultValue={query.eventType ?? ''} placeholder="orders.OrderPaid" />
        <label htmlFor="q" style={{ margin: 0 }}>Error text</label>
        <input id="q" name="q" defaultValue={query.q ?? ''} />
        <label htmlFor="status" style={{ margin: 0 }}>Status</label>
        <select id="status" name="status" defaultValue={raw.status ?? 'open'}>
          <option value="open">open</option>
          <option value="replaying">replaying</option>
          <option value="resolved">all resolved</option>
          <option value="discarded">discarded</option>
          <option value="parked">parked (sequenced)</option>
        </select>
        <label htmlFor="traceId" style={{ margin: 0 }}>Trace id</label>
        <input id="traceId" name="traceId" defaultValue={query.traceId ?? ''} size={12} />
        <label htmlFor="subject" style={{ margin: 0 }}>Subject</label>
        <input id="subject" name="subject" defaultValue={query.subject ?? ''} placeholder="order id" size={12} />
        <label htmlFor="from" style={{ margin: 0 }}>From (UTC)</label>
        <input id="from" name="from" type="datetime-local" defaultValue={raw.from ?? ''} />
        <label htmlFor="to" style={{ margin: 0 }}>To</label>
        <input id="to" name="to" type="datetime-local" defaultValue={raw.to ?? ''} />
        <button type="submit">Filter</button>
        <Link href="/dlq">Clear</Link>
        <a href={exportHref} download>Export CSV</a>
      </form>
      {!parsed.success ? <div className="error-box" role="alert">Some filters in the URL were invalid and were ignored.</div> : null}
      {query.traceId ? (
        <ReplayPanel selection={{ by: 'trace', traceId: query.traceId }} canReplay={mayPerform(user.role, 'dlq.replay')} label={`trace ${query.traceId.slice(0, 8)}…`} />
      ) : null}
      {causes.length === 0 ? (
        <EmptyState title={query.status === 'open' && Object.keys(raw).length === 0 ? 'Nothing open in the dead-letter queue' : 'No failure group matches'}>
          Messages a consumer could not process land here, grouped by cause across consumers. Change or clear the filters (status
          “all resolved” shows groups that were put right).
        </EmptyState>
      ) : (
        <table className="dense" data-testid="dlq-causes">
          <thead>
            <tr>
              <th scope="col">Cause</th>
              <th scope="col">Open</th>
              <th scope="col">Consumers</th>
              <th scope="col">Event types</th>
              <th scope="col">Last 24 h</th>
              <th scope="col">First seen (UTC)</th>
              <th scope="col">Last seen (UTC)</th>
            </tr>
          </thead>
          <tbody>
            {causes.map((c) => (
              <tr key={c.cause}>
                <td style={{ whiteSpace: 'normal', maxWidth: 480 }}>
                  <Link href={`/dlq/causes/${c.cause}`} data-testid="dlq-cause-link">
                    <span className="mono">{c.errorClass}</span>: {c.message || '(no message)'}
                  </Link>
                  {c.frame ? <div className="muted mono">{c.frame}</div> : null}
                  {c.note ? <div className="muted">Note: {c.note}</div> : null}
                </td>
                <td>
                  <StatusBadge status={c.openCount > 0 ? 'open' : 'resolved'} testId="dlq-open-count">{`${c.openCount} / ${c.totalCount}`}</StatusBadge>
                </td>
                <td>
                  {c.consumers.map((k) => (
                    <div key={k.consumer}>
                      <Link href={`/dlq?consumer=${encodeURIComponent(k.consumer)}`}>{k.consumer}</Link> {k.open}
                    </div>
                  ))}
                </td>
                <td className="mono">{c.eventTypes.join(', ')}</td>
                <td><Sparkline values={c.trend} label={`new dead letters per hour, last 24 h: ${c.trend.join(', ')}`} /></td>
                <td><RelativeTime at={c.firstSeenAt} now={now} /></td>
                <td><RelativeTime at={c.lastSeenAt} now={now} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {nextCursor ? (
        <p>
          <Link href={`/dlq?${new URLSearchParams({ ...raw, cursor: nextCursor }).toString()}`}>Older groups →</Link>
        </p>
      ) : null}
    </>
  );
}
