// How a projection's state, a version's state and a drift report's result show as
// the one status badge (label + icon + colour).
import { StatusBadge, type Status } from '../../components/status-badge';
import type { DriftReportView, ProjectionView } from '@/lib/read/list-projections';

const stateBadge: Record<ProjectionView['state'], Status> = { live: 'live', rebuilding: 'rebuilding', failed: 'failed', 'no checkpoint': 'WARN' };

export function ProjectionState({ state, testId }: { state: ProjectionView['state']; testId?: string }) {
  return <StatusBadge status={stateBadge[state]} title={`projection ${state}`} testId={testId}>{state}</StatusBadge>;
}

// Version states (docs/projections.md): building → ready → active → retired → dropped; failed.
const versionBadge: Record<string, Status> = { building: 'rebuilding', ready: 'OK', active: 'live', retired: 'discarded', dropped: 'cancelled', failed: 'failed' };

export function VersionState({ state }: { state: string }) {
  return <StatusBadge status={versionBadge[state] ?? 'unknown'} title={`version ${state}`}>{state}</StatusBadge>;
}

export function DriftResult({ report }: { report: DriftReportView | null }) {
  if (!report) return <span className="muted">never checked</span>;
  const status: Status = report.status === 'clean' ? 'OK' : report.status === 'failed' ? 'failed' : 'ERR';
  const text = report.status === 'failed' ? 'check failed' : report.status === 'clean' ? 'no drift' : `${formatDriftPct(report.driftPct)} drift`;
  return (
    <StatusBadge status={status} title={report.error ?? `${report.missing} missing, ${report.extra} extra, ${report.different} different of ${report.rowsCompared}`}>
      {text}
    </StatusBadge>
  );
}

/** Drift share with enough digits that a handful of rows in a million is not "0.00 %". */
export function formatDriftPct(pct: number): string {
  if (pct === 0) return '0 %';
  if (pct < 0.01) return `${pct.toPrecision(2)} %`;
  return `${pct.toFixed(2)} %`;
}
