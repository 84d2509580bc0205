'use client';
// One projection: its state, drift % over time, the latest report's sample diffs,
// and the actions (drift check, repair; corruption knob in the demo), each behind a
// confirmation — repair with typed confirmation. Actions start jobs on the one runner.
import Link from 'next/link';
import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { DriftReportView, ProjectionView } from '@/lib/read/list-projections';
import type { DriftSample } from '@/lib/domain/drift/report';
import { hasRole, type Role } from '@/lib/domain/roles';
import { ConfirmDialog } from '../../../components/confirm-dialog';
import { ErrorState } from '../../../components/error-state';
import { Freshness, useLivePolling } from '../../../components/freshness';
import { RelativeTime } from '../../../components/relative-time';
import { TimeSeriesChart } from '../../../components/time-series-chart';
import { DriftResult, ProjectionState } from '../projection-status';

type View = { projection: ProjectionView | null; reports: DriftReportView[] };
type Action = { label: string; kind: 'projection.drift-check' | 'projection.repair'; role: Role; typed?: string; text: string };

async function send(url: string, body: unknown) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json().catch(() => ({}))) as { message?: string };
  if (!res.ok) throw new Error(json.message ?? `HTTP ${res.status}`);
  return json;
}

export function ProjectionDetail({ name, role }: { name: string; role: Role }) {
  const polling = useLivePolling(3_000);
  const client = useQueryClient();
  const { data, error, dataUpdatedAt } = useQuery({
    queryKey: ['projection', name],
    queryFn: async () => {
      const res = await fetch(`/api/projections/${encodeURIComponent(name)}`);
      if (!res.ok) throw new Error(((await res.json().catch(() => ({}))) as { message?: string }).message ?? `HTTP ${res.status}`);
      return (await res.json()) as View;
    },
    refetchInterval: polling.refetchInterval,
  });
  const [pending, setPending] = useState<Action | null>(null);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const actions: Action[] = [
    { label: 'Run drift check', kind: 'projection.drift-check', role: 'operator', text: 'Recompute this projection from the event log at its checkpoint and compare.' },
    { label: 'Repair divergent keys', kind: 'projection.repair', role: 'admin', typed: name, text: 'Recompute and rewrite only the rows that differ from the log (audited).' },
  ];
  async function confirm() {
    if (!pending) return;
    setBusy(true);
    setActionError(null);
    try {
      await send('/api/jobs', { kind: pending.kind, params: { projection: name } });
      setPending(null);
      await client.invalidateQueries({ queryKey: ['projection', name] });
    } catch (e) {
      setActionError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }
  const p = data?.projection;
  const last = data?.reports[0] ?? null;
  const points = [...(data?.reports ?? [])].reverse().filter((r) => r.status !== 'failed').map((r) => ({ at: r.startedAt, drift: r.driftPct }));
  return (
    <>
      <p><Link href="/projections">Projections</Link> / {name}</p>
      <h1>{name}</h1>
      <Freshness updatedAt={dataUpdatedAt || null} paused={polling.paused} onPausedChange={polling.setPaused} intervalMs={polling.intervalMs} error={error ? error.message : null} />
      {error && !data ? <ErrorState title="This projection could not be read">{error.message}</ErrorState> : null}
      {p ? (
        <section>
          <p>
            <ProjectionState state={p.state} /> v{p.version} <code>{p.table}</code>, checkpoint {p.eventsApplied.toLocaleString('en')} events (<RelativeTime at={p.checkpointAt} />),
            lag {p.lagEvents} events{p.lagSeconds !== null ? ` / ${Math.round(p.lagSeconds)} s` : ''}, about {p.rowsEstimate?.toLocaleString('en') ?? '—'} rows.
            {p.activeJob ? <> Running: <Link href={`/jobs/${p.activeJob.id}`}>{p.activeJob.kind} ({p.activeJob.state})</Link></> : null}
          </p>
          <div className="actions">
            {actions.map((a) => (
              <button key={a.kind} type="button" disabled={!hasRole(role, a.role) || p.activeJob !== null} title={hasRole(role, a.role) ? a.text : `needs the ${a.role} role`}
                onClick={() => { setActionError(null); setPending(a); }} data-testid={`action-${a.kind}`}>
                {a.label}
              </button>
            ))}
          </div>
        </section>
      ) : null}
      <ConfirmDialog open={pending !== null} title={pending?.label ?? ''} confirmLabel={pending?.label ?? 'Confirm'} confirmText={pending?.typed} danger={pending?.kind !== 'projection.drift-check'}
        busy={busy} error={actionError} onConfirm={() => void confirm()} onCancel={() => setPending(null)}>
        <p>{pending?.text}</p>
      </ConfirmDialog>
      <h2>Drift over time</h2>
      {points.length > 0 ? (
        <TimeSeriesChart title={`${name} drift %`} points={points} series={[{ key: 'drift', label: 'drift %' }]} unit="%"
          summary={`${points.length} checks; latest ${points.at(-1)!.drift.toFixed(2)} %`} />
      ) : <p className="muted">No drift checks yet: run one above.</p>}
      <h2>Latest report</h2>
      {last ? <Report report={last} /> : <p className="muted">No report yet.</p>}
      <h2>History</h2>
      <table>
        <thead><tr><th>Started (UTC)</th><th>Result</th><th>Version</th><th>Compared</th><th>Missing</th><th>Extra</th><th>Different</th><th>Events read</th><th>Job</th></tr></thead>
        <tbody>
          {data?.reports.map((r) => (
            <tr key={r.id}>
              <td><RelativeTime at={r.startedAt} /></td><td><DriftResult report={r} /></td><td>v{r.version}</td>
              <td>{r.rowsCompared}</td><td>{r.missing}</td><td>{r.extra}</td><td>{r.different}</td><td>{r.eventsRead}</td>
              <td>{r.jobId ? <Link href={`/jobs/${r.jobId}`}>job</Link> : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function Report({ report }: { report: DriftReportView }) {
  const samples = report.samples as DriftSample[];
  return (
    <div data-testid="drift-report">
      <p>
        <DriftResult report={report} /> {report.rowsCompared} rows compared: {report.missing} missing, {report.extra} extra, {report.different} different;
        {' '}{report.bucketsDiffering} of {report.buckets} buckets differed{report.unconfirmed > 0 ? `; ${report.unconfirmed} events were still unpublished` : ''}.
        {report.error ? <> Error: {report.error}</> : null}
      </p>
      {samples.length > 0 ? (
        <table>
          <thead><tr><th>Key</th><th>Kind</th><th>Column</th><th>Expected (log)</th><th>Actual (table)</th></tr></thead>
          <tbody>
            {samples.flatMap((s) => s.columns.map((c, i) => (
              <tr key={`${s.key}-${c.column}`}>
                <td>{i === 0 ? s.key : ''}</td><td>{i === 0 ? s.kind : ''}</td><td>{c.column}</td>
                <td><code>{JSON.stringify(c.expected)}</code></td><td><code>{JSON.stringify(c.actual)}</code></td>
              </tr>
            )))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
