// One drift report in words and samples: rows compared, missing, extra, different,
// buckets drilled into, and per-column sample diffs (expected from the log, actual
// in the table). A rebuild's diff (old vs new) is the same report with "expected" the
// rebuilt table and "actual" the active one, so the headings name them.
import type { DriftReportView } from '@/lib/read/list-projections';
import type { DriftSample } from '@/lib/domain/drift/report';
import { RelativeTime } from '../../components/relative-time';
import { DriftResult } from './projection-status';

export function DriftReport({ report, expectedLabel = 'Expected (log)', actualLabel = 'Actual (table)', testId = 'drift-report' }: {
  report: DriftReportView; expectedLabel?: string; actualLabel?: string; testId?: string;
}) {
  const samples = (Array.isArray(report.samples) ? report.samples : []) as DriftSample[];
  return (
    <div data-testid={testId}>
      <p>
        <span data-testid={`${testId}-result`}><DriftResult report={report} /></span>{' '}
        v{report.version} <code>{report.table}</code>, checked <RelativeTime at={report.startedAt} />:{' '}
        <span data-testid={`${testId}-counts`}>
          {report.rowsCompared.toLocaleString('en')} rows compared, {report.missing.toLocaleString('en')} missing, {report.extra.toLocaleString('en')} extra,{' '}
          {report.different.toLocaleString('en')} different
        </span>
        ; {report.bucketsDiffering} of {report.buckets} buckets differed; {report.eventsRead.toLocaleString('en')} events read
        {report.unconfirmed > 0 ? `; ${report.unconfirmed} events were still unpublished (not counted)` : ''}.
      </p>
      {report.error ? <div className="error-box" role="alert">The check failed: {report.error}. Run it again; if it keeps failing, see the jobs worker&apos;s log.</div> : null}
      {samples.length > 0 ? (
        <table className="dense">
          <caption className="sr-only">Sample differences</caption>
          <thead><tr><th scope="col">Key</th><th scope="col">Kind</th><th scope="col">Column</th><th scope="col">{expectedLabel}</th><th scope="col">{actualLabel}</th></tr></thead>
          <tbody>
            {samples.flatMap((s) => s.columns.map((c, i) => (
              <tr key={`${s.key}-${c.column}`}>
                <td className="mono">{i === 0 ? s.key : ''}</td><td>{i === 0 ? s.kind : ''}</td><td className="mono">{c.column}</td>
                <td><code>{JSON.stringify(c.expected)}</code></td><td><code>{JSON.stringify(c.actual)}</code></td>
              </tr>
            )))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
