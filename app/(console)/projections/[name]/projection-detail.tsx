'use client';
// One projection, polled every 2 s: state, active version, checkpoint, lag, rows, last
// drift check, last rebuild; the job holding its scope with progress (rate, ETA) and
// cancel; the rebuilt version's diff (old vs new) with the typed confirmation that
// swaps it in; every version with drop; drift % over time; reports and jobs.
// Confirmations: a drift check changes nothing readers see and starts on one click;
// repair, rebuild, cancel, drop and the demo's corruption knob ask in the confirmation
// dialog (repair and drop with the name typed); the swap is confirmed by typing the
// projection's name next to the diff it swaps in. History filter and the selected
// report live in the URL (?result=, ?report=).
import Link from 'next/link';
import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { DriftReportView, ProjectionView } from '@/lib/read/list-projections';
import type { JobView } from '@/lib/jobs/job-view';
import { hasRole, mayPerform, type Role } from '@/lib/domain/roles';
import { ConfirmDialog } from '../../../components/confirm-dialog';
import { EmptyState } from '../../../components/empty-state';
import { ErrorState } from '../../../components/error-state';
import { Freshness, useLivePolling } from '../../../components/freshness';
import { ProgressBar } from '../../../components/progress-bar';
import { RelativeTime } from '../../../components/relative-time';
import { StatusBadge } from '../../../components/status-badge';
import { TimeSeriesChart } from '../../../components/time-series-chart';
import { useUrlParam } from '../../../components/url-state';
import { DriftReport } from '../drift-report';
import { DriftResult, formatDriftPct, ProjectionState, VersionState } from '../projection-status';
import {
  cancelJob, corruptProjection, dropVersion, fetchProjection, fetchVersions, startProjectionJob, startRebuild, swapVersion, type VersionView,
} from '../projections-api';

interface Pending {
  title: string;
  text: string;
  confirmLabel: string;
  typed?: string;
  danger?: boolean;
  withRows?: boolean;
  run(rows: number): Promise<unknown>;
}

const KIND_LABEL: Record<string, string> = { 'projection.drift-check': 'drift check', 'projection.repair': 'repair', 'projection.rebuild': 'rebuild' };
const KIND_ROLE: Record<string, Role> = { 'projection.drift-check': 'operator', 'projection.repair': 'admin', 'projection.rebuild': 'admin' };
const RESULTS = ['drift', 'clean', 'failed'] as const;

export function ProjectionDetail({ name, role }: { name: string; role: Role }) {
  const polling = useLivePolling(2_000);
  const client = useQueryClient();
  const { data, error, dataUpdatedAt, refetch } = useQuery({ queryKey: ['projection', name], queryFn: () => fetchProjection(name), refetchInterval: polling.refetchInterval });
  const versionsQuery = useQuery({ queryKey: ['projection', name, 'versions'], queryFn: () => fetchVersions(name), refetchInterval: polling.refetchInterval, retry: false });
  const [result, setResult] = useUrlParam('result', { replace: true });
  const [selected, setSelected] = useUrlParam('report', { replace: true });
  const [pending, setPending] = useState<Pending | null>(null);
  const [rows, setRows] = useState(10);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const refresh = () => Promise.all([client.invalidateQueries({ queryKey: ['projection', name] }), client.invalidateQueries({ queryKey: ['projections'] })]);
  async function act(run: () => Promise<unknown>, done: string | ((r: unknown) => string)) {
    setBusy(true);
    setActionError(null);
    try {
      const r = await run();
      setPending(null);
      setNotice(typeof done === 'string' ? done : done(r));
      await refresh();
    } catch (e) {
      setActionError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  if (!data) {
    if (error) return <ErrorState title="This projection could not be read" detail={error.message} onRetry={() => void refetch()}>Check that the console reaches its database (<a href="/api/health">/api/health</a>); a projection that is not registered is not found.</ErrorState>;
    return <p className="muted" role="status">Loading {name}…</p>;
  }
  const p = data.projection;
  if (!p) return <EmptyState title={`No projection named ${name}`}>See the <Link href="/projections">list of projections</Link>.</EmptyState>;

  const versions: VersionView[] = versionsQuery.data?.versions ?? p.versions.map((v) => ({ ...v, rowsEstimate: null, diff: null }));
  const ready = versions.find((v) => v.state === 'ready') ?? null;
  const retired = versions.filter((v) => v.state === 'retired');
  const jobKind = (id: string | null) => data.jobs.find((j) => j.id === id)?.kind ?? null;
  const diffOf = (v: VersionView | null): DriftReportView | null => {
    if (!v) return null;
    const id = v.diff?.reportId ?? (data.jobs.find((j) => j.id === v.jobId)?.result as { diffReportId?: string } | null)?.diffReportId;
    return data.reports.find((r) => r.id === id) ?? data.reports.find((r) => r.jobId !== null && r.jobId === v.jobId) ?? null;
  };
  const readyDiff = diffOf(ready);
  const busyScope = p.activeJob !== null;
  const canSwap = mayPerform(role, 'projection.swap');
  const canDrop = mayPerform(role, 'projection.drop');
  const reports = data.reports.filter((r) => !result || r.status === result);
  const shown = data.reports.find((r) => r.id === selected) ?? p.lastDrift;
  const points = [...data.reports].reverse().filter((r) => r.status !== 'failed').map((r) => ({ at: r.startedAt, drift: r.driftPct }));
  const needs = (r: Role) => (hasRole(role, r) ? undefined : `needs the ${r} role`);

  const actions = [
    {
      id: 'drift', label: 'Run drift check', role: 'operator' as Role, hint: 'Recompute from the event log at the checkpoint and compare; changes nothing readers see.',
      onClick: () => void act(() => startProjectionJob(name, 'projection.drift-check'), 'Drift check started.'),
    },
    {
      id: 'repair', label: 'Repair divergent keys', role: 'admin' as Role, hint: 'Rewrite only the rows that differ from the log.',
      onClick: () => setPending({
        title: `Repair ${name}`, confirmLabel: 'Repair', typed: name, danger: true,
        text: `Finds the rows of ${p.table} that differ from the event log and rewrites just those (recomputed from the log, one transaction per batch, audited). Live traffic keeps flowing. It cannot be undone, but a rebuild can replace the whole table.`,
        run: () => startProjectionJob(name, 'projection.repair'),
      }),
    },
    {
      id: 'rebuild', label: 'Rebuild', role: 'admin' as Role, hint: 'Build a new version from the whole log, next to the active one.',
      onClick: () => setPending({
        title: `Rebuild ${name}`, confirmLabel: 'Start rebuild',
        text: `Folds the whole event log into a new table (v${Math.max(...versions.map((v) => v.version), p.version) + 1}) next to ${p.table}, then catches it up with live traffic and stores the diff old vs new. Readers keep reading ${p.table} until you swap; you can cancel at any time (the new table is dropped).`,
        run: () => startRebuild(name),
      }),
    },
    ...(p.demoKnob ? [{
      id: 'corrupt', label: 'Corrupt (demo knob)', role: 'operator' as Role, hint: 'Edit rows behind the projection\u2019s back so drift shows.',
      onClick: () => setPending({
        title: `Corrupt ${name} (demo knob)`, confirmLabel: 'Corrupt rows', danger: true, withRows: true,
        text: `Demo only: edits rows of ${p.table} behind the projection's back — counters bumped in N random rows, N/2 rows deleted, N/2 made-up customers added — so a drift check finds them and repair or a rebuild fixes them. Audited (demo.projection.corrupt).`,
        run: (n: number) => corruptProjection(name, n),
      }),
    }] : []),
  ];

  return (
    <>
      <p><Link href="/projections">Projections</Link> / {name}</p>
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <h1>{name}</h1>
        <Freshness updatedAt={dataUpdatedAt || null} paused={polling.paused} onPausedChange={polling.setPaused} intervalMs={polling.intervalMs} error={error ? error.message : null} />
      </div>

      <section className="panel" aria-label="Projection summary">
        <dl className="facts" data-testid="projection-facts">
          <dt>State</dt><dd><ProjectionState state={p.state} testId="projection-state" /></dd>
          <dt>Active version</dt><dd data-testid="active-version">v{p.version} <code>{p.table}</code></dd>
          <dt>Checkpoint</dt><dd>{p.eventsApplied.toLocaleString('en')} events applied, <RelativeTime at={p.checkpointAt} /></dd>
          <dt>Lag behind the log</dt><dd>{p.lagEvents.toLocaleString('en')} events{p.lagSeconds !== null ? `, oldest ${Math.round(p.lagSeconds)} s old` : ''}</dd>
          <dt>Rows</dt><dd>about {p.rowsEstimate?.toLocaleString('en') ?? '—'} (planner estimate)</dd>
          <dt>Last drift check</dt>
          <dd data-testid="last-drift"><DriftResult report={p.lastDrift} /> {p.lastDrift ? <>v{p.lastDrift.version}, <RelativeTime at={p.lastDrift.startedAt} /></> : null}</dd>
          <dt>Last rebuild</dt>
          <dd>{p.lastRebuild ? <><StatusBadge status={p.lastRebuild.state} title={p.lastRebuild.error ?? undefined} /> <Link href={`/jobs/${p.lastRebuild.id}`}>job</Link>, started <RelativeTime at={p.lastRebuild.createdAt} /></> : <span className="muted">never rebuilt</span>}</dd>
        </dl>
        <div className="row actions" role="group" aria-label="Actions" style={{ marginTop: 12 }}>
          {actions.map((a) => (
            <button key={a.id} type="button" data-testid={`action-${a.id}`} disabled={!hasRole(role, a.role) || busyScope || busy}
              title={needs(a.role) ?? (busyScope ? `wait for the running ${KIND_LABEL[p.activeJob!.kind] ?? p.activeJob!.kind}` : a.hint)}
              className={a.id === 'corrupt' ? 'danger' : undefined}
              onClick={() => { setActionError(null); setNotice(null); a.onClick(); }}>
              {a.label}
            </button>
          ))}
        </div>
        {notice ? <p role="status" className="muted">{notice}</p> : null}
        {actionError && !pending ? <div className="error-box" role="alert">{actionError}</div> : null}
      </section>

      {p.activeJob ? <ActiveJob job={p.activeJob} role={role} onCancel={() => setPending({
        title: `Cancel the ${KIND_LABEL[p.activeJob!.kind] ?? p.activeJob!.kind}`, confirmLabel: 'Cancel job', danger: true,
        text: p.activeJob!.kind === 'projection.rebuild' ? 'The rebuild stops at its next checkpoint; its new table is dropped. The active version is untouched.' : 'The job stops at its next checkpoint.',
        run: () => cancelJob(p.activeJob!.id),
      })} /> : null}

      {ready ? (
        <SwapPanel name={name} active={p} ready={ready} diff={readyDiff} canSwap={canSwap} busy={busy} error={pending ? null : actionError}
          onSwap={() => void act(() => swapVersion(name, ready.version), (r) => `Swapped: readers now read v${(r as { to: number }).to}. The next drift check shows v${ready.version}'s drift.`)} />
      ) : null}

      <h2>Versions</h2>
      <table className="dense" data-testid="versions-table">
        <thead><tr><th scope="col">Version</th><th scope="col">Table</th><th scope="col">State</th><th scope="col">Rows</th><th scope="col">Created (UTC)</th><th scope="col">Activated (UTC)</th><th scope="col">Diff vs active</th><th scope="col">Actions</th></tr></thead>
        <tbody>
          {versions.map((v) => (
            <tr key={v.version}>
              <td>v{v.version}</td><td className="mono">{v.table}</td><td><VersionState state={v.state} /></td>
              <td>{v.rowsEstimate === null || v.rowsEstimate === undefined ? '—' : `about ${v.rowsEstimate.toLocaleString('en')}`}</td>
              <td><RelativeTime at={v.createdAt} /></td><td><RelativeTime at={v.activatedAt} /></td>
              <td>{v.diff ? `${formatDriftPct(v.diff.driftPct)} (${v.diff.missing} missing, ${v.diff.extra} extra, ${v.diff.different} different)` : '—'}</td>
              <td className="row">
                {v.state === 'retired' ? (
                  <button type="button" disabled={!canSwap || busy || busyScope} title={needs('admin')} onClick={() => setPending({
                    title: `Swap ${name} back to v${v.version}`, confirmLabel: `Swap to v${v.version}`, typed: name, danger: true,
                    text: `Makes v${v.version} (${v.table}) active again after catching it up with the log; readers switch at the next batch. v${p.version} is kept, retired.`,
                    run: () => swapVersion(name, v.version),
                  })}>Swap back</button>
                ) : null}
                {v.state === 'ready' || v.state === 'retired' || v.state === 'failed' ? (
                  <button type="button" className="danger" data-testid={`drop-v${v.version}`} disabled={!canDrop || busy} title={needs('admin')} onClick={() => setPending({
                    title: `Drop ${name} v${v.version}`, confirmLabel: 'Drop table', typed: v.table, danger: true,
                    text: `Drops the table ${v.table} and its checkpoints. It cannot be undone; a later rebuild makes a new version.`,
                    run: () => dropVersion(name, v.version),
                  })}>Drop</button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {versionsQuery.error ? <p className="muted">Version details (rows, diffs) could not be read: {versionsQuery.error.message}</p> : null}
      {retired.length > 0 && ready === null ? <p className="muted">Retired versions are kept until dropped; drop one once the active version has shown no drift.</p> : null}

      <h2>Drift over time</h2>
      {points.length > 0 ? (
        <TimeSeriesChart title={`${name} drift %`} points={points} series={[{ key: 'drift', label: 'drift %' }]} unit="%"
          summary={`${points.length} checks; latest ${formatDriftPct(points.at(-1)!.drift)}; highest ${formatDriftPct(Math.max(...points.map((x) => x.drift)))}`} />
      ) : <p className="muted">No drift checks yet: run one above{'\u2014'}or set PROJECTION_DRIFT_EVERY_MIN for scheduled checks.</p>}

      <h2>{selected && shown && shown.id === selected ? 'Selected report' : 'Latest report'}</h2>
      {shown ? <DriftReport report={shown} /> : <p className="muted">No report yet: run a drift check above.</p>}

      <h2>Drift reports</h2>
      <div className="row" role="group" aria-label="Filter reports by result">
        <button type="button" aria-pressed={!result} onClick={() => setResult(null)}>All</button>
        {RESULTS.map((r) => <button key={r} type="button" aria-pressed={result === r} onClick={() => setResult(r)}>{r}</button>)}
      </div>
      {reports.length === 0 ? (
        <EmptyState title={result ? `No ${result} reports` : 'No drift reports yet'}>{result ? 'Show all reports, or run a drift check.' : 'Run a drift check above; every check is kept here.'}</EmptyState>
      ) : (
        <table className="dense" data-testid="reports-table">
          <thead><tr><th scope="col">Started (UTC)</th><th scope="col">Result</th><th scope="col">By</th><th scope="col">Version</th><th scope="col">Compared</th><th scope="col">Missing</th><th scope="col">Extra</th><th scope="col">Different</th><th scope="col">Events read</th><th scope="col">Details</th></tr></thead>
          <tbody>
            {reports.map((r) => (
              <tr key={r.id} aria-selected={r.id === shown?.id}>
                <td><RelativeTime at={r.startedAt} /></td><td><DriftResult report={r} /></td>
                <td>{r.jobId ? <Link href={`/jobs/${r.jobId}`}>{jobKind(r.jobId) === 'projection.rebuild' ? 'rebuild diff' : (KIND_LABEL[jobKind(r.jobId) ?? ''] ?? 'job')}</Link> : 'direct'}</td>
                <td>v{r.version}</td><td>{r.rowsCompared.toLocaleString('en')}</td><td>{r.missing}</td><td>{r.extra}</td><td>{r.different}</td><td>{r.eventsRead.toLocaleString('en')}</td>
                <td><button type="button" onClick={() => setSelected(r.id)} disabled={r.id === shown?.id}>Show</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Jobs</h2>
      {data.jobs.length === 0 ? <p className="muted">No drift check, repair or rebuild has run on this projection.</p> : (
        <table className="dense" data-testid="projection-jobs">
          <thead><tr><th scope="col">Job</th><th scope="col">State</th><th scope="col">Progress</th><th scope="col">Created (UTC)</th><th scope="col">Finished (UTC)</th></tr></thead>
          <tbody>
            {data.jobs.map((j) => (
              <tr key={j.id}>
                <td><Link href={`/jobs/${j.id}`}>{KIND_LABEL[j.kind] ?? j.kind}</Link>{j.createdBy === null && j.idempotencyKey?.startsWith('drift-schedule:') ? <span className="muted"> (scheduled)</span> : null}</td>
                <td><StatusBadge status={j.state} title={j.error ?? undefined} /></td>
                <td>{j.progress.done.toLocaleString('en')}{j.progress.total !== null ? ` / ${j.progress.total.toLocaleString('en')}` : ''}</td>
                <td><RelativeTime at={j.createdAt} /></td><td><RelativeTime at={j.finishedAt} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <ConfirmDialog open={pending !== null} title={pending?.title ?? ''} confirmLabel={pending?.confirmLabel ?? 'Confirm'} confirmText={pending?.typed} danger={pending?.danger}
        busy={busy} error={actionError} onConfirm={() => pending && void act(() => pending.run(rows), `${pending.title}: done.`)} onCancel={() => { setPending(null); setActionError(null); }}>
        <p>{pending?.text}</p>
        {pending?.withRows ? (
          <label>
            Rows to edit{' '}
            <input type="number" min={1} max={10_000} value={rows} onChange={(e) => setRows(Math.max(1, Math.min(10_000, Number(e.target.value) || 1)))} style={{ width: '8em' }} />
          </label>
        ) : null}
      </ConfirmDialog>
    </>
  );
}

function ActiveJob({ job, role, onCancel }: { job: JobView; role: Role; onCancel(): void }) {
  const label = KIND_LABEL[job.kind] ?? job.kind;
  const phase = (job.checkpoint as { phase?: string } | null)?.phase;
  const required = KIND_ROLE[job.kind] ?? 'admin';
  return (
    <section className="panel" aria-label={`Running ${label}`} data-testid="active-job">
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <h2 style={{ margin: 0 }}>{label[0]!.toUpperCase() + label.slice(1)} <StatusBadge status={job.state} /> {phase ? <span className="muted">phase: {phase}</span> : null}</h2>
        <div className="row">
          <Link href={`/jobs/${job.id}`}>job page</Link>
          <button type="button" className="danger" data-testid="cancel-job" disabled={!hasRole(role, required) || job.state === 'cancelling'} title={hasRole(role, required) ? undefined : `needs the ${required} role`} onClick={onCancel}>Cancel</button>
        </div>
      </div>
      <ProgressBar label={`${label} progress`} testId="job-progress" done={job.progress.done} total={job.progress.total} ratePerSecond={job.progress.ratePerSecond} etaSeconds={job.progress.etaSeconds} failures={job.progress.failures} />
    </section>
  );
}

function SwapPanel({ name, active, ready, diff, canSwap, busy, error, onSwap }: {
  name: string; active: ProjectionView; ready: VersionView; diff: DriftReportView | null; canSwap: boolean; busy: boolean; error: string | null; onSwap(): void;
}) {
  const [typed, setTyped] = useState('');
  const matches = typed === name;
  return (
    <section className="panel" aria-labelledby="swap-h" data-testid="swap-panel">
      <h2 id="swap-h">Review and swap: v{ready.version} is ready</h2>
      <p>
        Rebuilt <code>{ready.table}</code> from the log and caught it up with live traffic. The diff below compares it (expected) with the active{' '}
        <code>{active.table}</code> (actual): what the swap changes for readers.
      </p>
      {diff ? <DriftReport report={diff} expectedLabel={`Rebuilt v${ready.version}`} actualLabel={`Active v${active.version}`} testId="rebuild-diff" />
        : <p className="muted">The diff is not stored yet (the rebuild stores it when it finishes).</p>}
      <form className="row" onSubmit={(e) => { e.preventDefault(); if (matches && canSwap && !busy) onSwap(); }}>
        <label htmlFor="swap-confirm">Type <code className="mono">{name}</code> to make v{ready.version} active</label>
        <input id="swap-confirm" className="mono" value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} disabled={!canSwap} />
        <button type="submit" className="danger" data-testid="swap-button" disabled={!matches || !canSwap || busy} title={canSwap ? undefined : 'needs the admin role'}>
          {busy ? 'Swapping…' : `Swap to v${ready.version}`}
        </button>
      </form>
      <p className="muted">Readers switch at the next batch, no restart; v{active.version} is kept (retired) until you drop it, and can be swapped back.</p>
      {error ? <div className="error-box" role="alert">{error}</div> : null}
    </section>
  );
}
