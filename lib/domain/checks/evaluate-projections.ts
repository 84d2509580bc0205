// Projection checks: content drift (the newest drift report of the active version)
// and failed rebuilds. Projection lag is judged on the group that feeds it
// (evaluate-consumers.ts), so a projection and its consumer never disagree.
import { formatUtcTimestamp } from '../format/time';
import { result, type CheckResult } from './check-types';
import type { ProjectionFigures } from './inputs';
import type { Thresholds } from './thresholds';

export function driftCheck(p: ProjectionFigures, t: Thresholds): CheckResult {
  const facts = { projection: p.name };
  const d = p.drift;
  if (!d) return result('projection.drift', p.name, 'OK', `${p.name} v${p.version}: no drift check has run on the active version yet.`, facts);
  const when = formatUtcTimestamp(d.finishedAt);
  if (d.status === 'failed') return result('projection.drift', p.name, 'WARN', `${p.name} v${p.version}: the drift check of ${when} failed: ${d.error ?? 'no error recorded'}.`, facts);
  if (d.status === 'clean') return result('projection.drift', p.name, 'OK', `${p.name} v${p.version}: no drift in the check of ${when}.`, { ...facts, value: 0 });
  const pct = Math.round(d.driftPct * 1000) / 1000;
  const state = pct >= t.driftPercent.crit ? 'CRIT' : pct >= t.driftPercent.warn ? 'WARN' : 'OK';
  return result(
    'projection.drift',
    p.name,
    state,
    `${p.name} v${p.version}: ${pct}% of rows drifted in the check of ${when} (${d.missing} missing, ${d.extra} extra, ${d.different} different; WARN at ${t.driftPercent.warn}%, CRIT at ${t.driftPercent.crit}%).`,
    { ...facts, value: pct },
  );
}

export function rebuildCheck(p: ProjectionFigures): CheckResult {
  const f = p.failedRebuild;
  if (!f) return result('projection.rebuild', p.name, 'OK', `${p.name}: no failed rebuild since the last successful one.`, { projection: p.name });
  return result(
    'projection.rebuild',
    p.name,
    'WARN',
    `${p.name}: the rebuild job failed at ${formatUtcTimestamp(f.at)}: ${f.error ?? 'no error recorded'}. The active version still serves reads.`,
    { projection: p.name, jobId: f.jobId },
  );
}
