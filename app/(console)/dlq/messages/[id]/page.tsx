import Link from 'next/link';
import { notFound } from 'next/navigation';
import { requirePageUser } from '@/lib/auth/require-page-user';
import { getConsoleContext } from '@/lib/console/context';
import { mayPerform } from '@/lib/domain/roles';
import { isAppError } from '@/lib/errors';
import { getDlqMessage } from '@/lib/read/get-dlq-message';
import { RelativeTime } from '../../../../components/relative-time';
import { StatusBadge, isStatus } from '../../../../components/status-badge';
import { ReplayPanel } from '../../replay-panel';
import { MessageActions } from './message-actions';

export const dynamic = 'force-dynamic';

/** One dead letter. Bytes are shown as text nodes only (JSON pretty, text, or hex): never as HTML. */
export default async function DlqMessagePage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requirePageUser();
  const { id } = await params;
  const ctx = getConsoleContext();
  const now = ctx.now();
  const m = await getDlqMessage(ctx.db, id).catch((e: unknown) => {
    if (isAppError(e) && (e.code === 'not_found' || e.code === 'bad_request')) notFound();
    throw e;
  });
  return (
    <>
      <p>
        <Link href="/dlq">← Dead-letter queue</Link>
        {m.cause ? <> · <Link href={`/dlq/causes/${m.cause}`}>its failure group</Link></> : null}
        {m.traceHref ? <> · <Link href={m.traceHref}>trace timeline</Link></> : null}
      </p>
      <h1>
        {m.event.type ?? 'Unreadable message'} for {m.consumer} {isStatus(m.status) ? <StatusBadge status={m.status} testId="message-status" /> : m.status}
      </h1>
      <dl className="panel">
        <dt>Coordinates</dt><dd className="mono">{m.coordinates.topic}/{m.coordinates.partition}@{m.coordinates.offset}</dd>
        <dt>Event</dt><dd className="mono">id {m.event.id ?? '—'} · v{m.event.version ?? '?'} · subject {m.event.subject ?? '—'} · trace {m.event.traceId ?? '—'}</dd>
        <dt>Failed</dt><dd>first <RelativeTime at={m.firstFailedAt} now={now} />, last <RelativeTime at={m.lastFailedAt} now={now} /></dd>
        <dt>Error</dt><dd><span className="mono">{m.error.class} ({m.error.code})</span>: {m.error.message}</dd>
        {m.parkedBehind ? (
          <><dt>Parked behind</dt><dd data-testid="parked-behind"><Link href={`/dlq/messages/${m.parkedBehind}`}>dead letter {m.parkedBehind.slice(0, 8)}</Link>: sequenced dead-lettering holds this event until that earlier one of its subject is replayed or discarded.</dd></>
        ) : null}
        {m.parked.length ? (
          <><dt>Waiting behind it</dt><dd data-testid="parked-followers">{m.parked.length}{m.parked.length === 50 ? '+' : ''} later events of this subject, sent right after it when it is replayed (released when it is discarded):{' '}
            {m.parked.map((p) => <Link key={p.id} className="mono" href={`/dlq/messages/${p.id}`}>{p.coordinates} </Link>)}</dd></>
        ) : null}
      </dl>
      {mayPerform(user.role, 'dlq.replay') && m.status === 'open' ? <MessageActions id={m.id} payloadJson={m.payload.kind === 'json' ? m.payload.text : null} /> : null}
      <ReplayPanel selection={{ by: 'ids', ids: [m.id] }} canReplay={mayPerform(user.role, 'dlq.replay')} label="this message" />
      <h2>Payload ({m.payload.kind}, {m.payload.bytes} bytes{m.payload.truncated ? ', first 256 KiB shown' : ''}{m.payloadVersion > 0 ? `; replays send edited version ${m.payloadVersion}` : ''})</h2>
      <pre className="mono" data-testid="message-payload">{m.payload.text}</pre>
      <h2>Key ({m.key.kind})</h2>
      <pre className="mono">{m.key.text || '(none)'}</pre>
      <h2>Headers</h2>
      <table className="dense"><tbody>{m.headers.map((h, i) => <tr key={i}><th scope="row" className="mono">{h.key}</th><td className="mono">{h.hex ? `hex ${h.text}` : h.text}</td></tr>)}</tbody></table>
      <h2>Stack</h2>
      <pre className="mono">{m.error.stack ?? '(none)'}</pre>
      <h2>Attempts ({m.attempts.length})</h2>
      <table className="dense">
        <thead><tr><th scope="col">#</th><th scope="col">At (UTC)</th><th scope="col">Took</th><th scope="col">Error</th></tr></thead>
        <tbody>{m.attempts.map((a, i) => <tr key={i}><td>{a.attempt}</td><td><RelativeTime at={a.at} now={now} /></td><td>{Math.round(a.durationMs)} ms</td><td><span className="mono">{a.errorCode}</span> {a.message}</td></tr>)}</tbody>
      </table>
      <h2>Replays ({m.replays.length})</h2>
      <ul>{m.replays.map((r, i) => <li key={i}><RelativeTime at={r.at} now={now} /> by {r.by}: <Link href={`/jobs/${r.jobId}`}>job {r.jobId.slice(0, 8)}</Link> {r.jobState ?? ''}</li>)}</ul>
      {m.versions.length ? (
        <>
          <h2>Edited versions</h2>
          {m.versions.map((v) => (
            <details key={v.version}><summary>v{v.version} by {v.editedBy}: {v.reason}</summary><pre className="mono">{v.payload.text}</pre></details>
          ))}
        </>
      ) : null}
      <h2>Actions</h2>
      <ul>{m.actions.map((a, i) => <li key={i}><RelativeTime at={a.at} now={now} /> {a.actor} {a.action} ({a.outcome}) <span className="mono">{JSON.stringify(a.details)}</span></li>)}</ul>
    </>
  );
}
