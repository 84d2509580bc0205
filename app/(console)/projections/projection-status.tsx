// How a projection's state and a drift report's result show as the one status badge.
import { StatusBadge, type Status } from '../../components/status-badge';
import type { DriftReportView, ProjectionView } from '@/lib/read/list-projections';

const stateBadge: Record<ProjectionView['state'], Status> = { live: 'live', rebuilding: 'rebuilding', failed: 'failed', 'no checkpoint': 'WARN' };

export function ProjectionState({ state }: { state: ProjectionView['state'] }) {
  return <StatusBadge status={stateBadge[state]} title={`projection ${state}`}>{state}</StatusBadge>;
}

export function DriftResult({ report }: { report: DriftReportView | null }) {
  if (!report) return <span className="muted">never checked</span>;
  const status: Status = report.status === 'clean' ? 'OK' : report.status === 'failed' ? 'failed' : 'ERR';
  const text = report.status === 'failed' ? 'check failed' : report.status === 'clean' ? 'no drift' : `${report.driftPct.toFixed(2)} % drift`;
  return (
    <StatusBadge status={status} title={report.error ?? `${report.missing} missing, ${report.extra} extra, ${report.different} different of ${report.rowsCompared}`}>
      {text}
    </StatusBadge>
  );
}
