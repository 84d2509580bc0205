import Link from 'next/link';
import { notFound } from 'next/navigation';
import { requirePageUser } from '@/lib/auth/require-page-user';
import { getConsoleContext } from '@/lib/console/context';
import { mayPerform } from '@/lib/domain/roles';
import { isAppError } from '@/lib/errors';
import { getDlqCause } from '@/lib/read/get-dlq-cause';
import { listDlqMessagesQuery, type ListDlqMessagesQuery } from '@/lib/read/list-dlq-messages';
import { RelativeTime } from '../../../../components/relative-time';
import { Sparkline } from '../../../../components/sparkline';
import { StatusBadge, isStatus } from '../../../../components/status-badge';
import { ReplayPanel } from '../../replay-panel';

export const dynamic = 'force-dynamic';

type Props = { params: Promise<{ cause: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

/** One failure group: what it is, who it hits, its trend, its messages, and the replay of it. */
export default async function DlqCausePage({ params, searchParams }: Props) {
  const user = await requirePageUser();
  const { cause } = await params;
  const raw = Object.fromEntries(Object.entries(await searchParams).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));
  const parsed = listDlqMessagesQuery.safeParse(raw);
  const query: ListDlqMessagesQuery = parsed.success ? parsed.data : {};
  const ctx = getConsoleContext();
  const now = ctx.now();
  const view = await getDlqCause(ctx.db, cause, query, now).catch((e: unknown) => {
    if (isAppError(e) && (e.code === 'not_found' || e.code === 'bad_request')) notFound();
    throw e;
  });
  const c = view.cause;
  return (
    <>
      <p><Link href="/dlq">← Dead-letter queue</Link></p>
      <h1>
        <span className="mono">{c.errorClass}</span>: {c.message || '(no message)'}
      </h1>
      <p className="muted mono">{c.frame || 'no stack frame'} · cause {c.cause}</p>
      <div className="row panel">
        <StatusBadge status={c.openCount > 0 ? 'open' : 'resolved'} testId="cause-open-count">{`${c.openCount} open of ${c.totalCount}`}</StatusBadge>
        <span>First seen <RelativeTime at={c.firstSeenAt} now={now} /></span>
        <span>Last seen <RelativeTime at={c.lastSeenAt} now={now} /></span>
        <span>Types: <span className="mono">{c.eventTypes.join(', ') || '—'}</span></span>
        <Sparkline values={view.trendWeek} width={240} height={28} label="new dead letters per hour, last 7 days" />
      </div>
      {c.note ? <p>Note ({view.noteBy}): {c.note}</p> : null}
      <h2>Consumers</h2>
      <table className="dense">
        <thead><tr><th scope="col">Consumer</th><th scope="col">Open</th><th scope="col">Total</th><th scope="col">Messages</th></tr></thead>
        <tbody>
          {c.consumers.map((k) => (
            <tr key={k.consumer}>
              <td><Link href={`/consumers/${encodeURIComponent(k.consumer)}`}>{k.consumer}</Link></td>
              <td>{k.open}</td>
              <td>{k.total}</td>
              <td><Link href={`/dlq/causes/${c.cause}?consumer=${encodeURIComponent(k.consumer)}`}>only these</Link></td>
            </tr>
          ))}
        </tbody>
      </table>
      <ReplayPanel selection={{ by: 'cause', cause: c.cause }} canReplay={mayPerform(user.role, 'dlq.replay')} canApprove={mayPerform(user.role, 'dlq.approve')} label="this group" active={view.activeReplays} />
      <h2>Messages{query.consumer ? ` of ${query.consumer}` : ''}</h2>
      <table className="dense" data-testid="cause-messages">
        <thead>
          <tr><th scope="col">Status</th><th scope="col">Consumer</th><th scope="col">Type</th><th scope="col">Subject</th><th scope="col">Coordinates</th><th scope="col">Attempts</th><th scope="col">Replays</th><th scope="col">Last failed (UTC)</th></tr>
        </thead>
        <tbody>
          {view.messages.map((m) => (
            <tr key={m.id}>
              <td>{isStatus(m.status) ? <StatusBadge status={m.status} /> : m.status}</td>
              <td>{m.consumer}</td>
              <td className="mono">{m.eventType ?? '—'}</td>
              <td className="mono">{m.subject ? <Link href={`/dlq?subject=${encodeURIComponent(m.subject)}&status=open`}>{m.subject}</Link> : '—'}</td>
              <td className="mono"><Link href={`/dlq/messages/${m.id}`}>{m.topic}/{m.partition}@{m.offset}</Link></td>
              <td>{m.attemptCount}</td>
              <td>{m.replayCount}</td>
              <td><RelativeTime at={m.lastFailedAt} now={now} /></td>
            </tr>
          ))}
        </tbody>
      </table>
      {view.nextCursor ? (
        <p><Link href={`/dlq/causes/${c.cause}?${new URLSearchParams({ ...raw, cursor: view.nextCursor }).toString()}`}>Older messages →</Link></p>
      ) : null}
    </>
  );
}
