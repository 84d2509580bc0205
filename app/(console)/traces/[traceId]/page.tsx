import Link from 'next/link';
import { requirePageUser } from '@/lib/auth/require-page-user';
import { getConsoleContext } from '@/lib/console/context';
import { mayPerform } from '@/lib/domain/roles';
import { isAppError } from '@/lib/errors';
import { getTraceView } from '@/lib/read/get-trace-timeline';
import { EmptyState } from '../../../components/empty-state';
import { ErrorState } from '../../../components/error-state';
import { RelativeTime } from '../../../components/relative-time';
import { CausationTree, MissingList, StepCell } from './timeline-parts';
import { TimelineRefresh } from './timeline-refresh';

export const dynamic = 'force-dynamic';

export default async function TraceTimelinePage({ params }: { params: Promise<{ traceId: string }> }) {
  const user = await requirePageUser();
  const { traceId } = await params;
  const ctx = getConsoleContext();
  const now = ctx.now();
  let view: Awaited<ReturnType<typeof getTraceView>>;
  try {
    view = await getTraceView(ctx.db, { groupPrefix: ctx.env.KAFKA_GROUP_PREFIX, tracingUiUrlTemplate: ctx.env.TRACING_UI_URL_TEMPLATE }, traceId);
  } catch (error) {
    if (isAppError(error) && (error.code === 'not_found' || error.code === 'bad_request')) {
      return (
        <>
          <h1>Trace</h1>
          <EmptyState title="No such flow">{error.message} Paste another id into the search above, or open the <Link href="/traces">recent flows</Link>.</EmptyState>
        </>
      );
    }
    return (
      <>
        <h1>Trace</h1>
        <ErrorState title="Could not load the timeline" detail={isAppError(error) ? error.message : undefined}>Reload the page; if it persists, check the console&apos;s database connection.</ErrorState>
      </>
    );
  }
  const group = (consumer: string) => `${ctx.env.KAFKA_GROUP_PREFIX}.${consumer}`;
  const lanes = view.lanes.filter((lane) => lane === 'outbox' || view.steps.some((s) => s.lane === lane) || view.missing.some((m) => m.lane === lane && m.kind !== 'skipped'));
  const missing = view.missing.filter((m) => m.kind !== 'skipped');
  const skipped = view.missing.filter((m) => m.kind === 'skipped');
  return (
    <>
      <h1>Trace <code>{view.traceId}</code></h1>
      <TimelineRefresh renderedAt={now.toISOString()} />
      <p className="muted" data-testid="trace-summary">
        {view.summary.events} events · {view.summary.failedAttempts} failed attempts · {view.summary.openDeadLetters} open dead letters · {view.summary.missing} missing steps · started{' '}
        <RelativeTime at={view.summary.startedAt} now={now} />
        {view.truncated ? ' · cut at 500 events' : ''}
      </p>
      <div className="row" style={{ gap: 12 }}>
        {view.summary.openDeadLetters > 0 && mayPerform(user.role, 'dlq.replay') ? (
          <Link href={`/dlq?trace=${view.traceId}`} data-testid="replay-failed">Replay this flow&apos;s failed steps</Link>
        ) : null}
        {view.summary.openDeadLetters > 0 ? <Link href={`/dlq?trace=${view.traceId}`}>Open its DLQ entries</Link> : null}
        {view.tracingUiUrl ? <a href={view.tracingUiUrl} target="_blank" rel="noopener noreferrer">Open in tracing UI ↗</a> : null}
      </div>
      {missing.length > 0 ? (
        <section className="panel">
          <h2>Missing steps</h2>
          <MissingList missing={missing} />
        </section>
      ) : null}
      <section className="panel">
        <h2>Causation</h2>
        <CausationTree nodes={view.tree} />
      </section>
      <section className="panel">
        <h2>Timeline</h2>
        <div className="table-scroll">
          <table data-testid="timeline">
            <caption>Every step in time order (UTC), one column per lane</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Event</th>
                {lanes.map((lane) => <th scope="col" key={lane}>{lane === 'outbox' ? 'outbox → Kafka' : <Link href={`/consumers/${encodeURIComponent(group(lane))}`}>{lane}</Link>}</th>)}
              </tr>
            </thead>
            <tbody>
              {view.steps.map((step, i) => (
                <tr key={i} data-kind={step.kind}>
                  <td><RelativeTime at={step.at} now={now} /></td>
                  <td><code title={step.eventId ?? ''}>{step.eventId?.slice(-12) ?? '—'}</code></td>
                  {lanes.map((lane) => <td key={lane}>{lane === step.lane ? <StepCell step={step} group={group} /> : null}</td>)}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      {skipped.length > 0 ? (
        <details className="panel">
          <summary>{skipped.length} skipped (the consumer does not handle the event type)</summary>
          <MissingList missing={skipped} testId="skipped-steps" />
        </details>
      ) : null}
      <p className="muted">Times: outbox write = the writing transaction&apos;s start; publish = broker acknowledgement; attempt = when its record was written (its end). See docs/traces.md.</p>
    </>
  );
}
