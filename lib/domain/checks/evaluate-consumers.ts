// Consumer checks: the group's health status (lib/domain/lag/health.ts), its seconds
// behind (or the projection's lag, for groups that feed a projection), and its dead letters.
import { formatDurationSeconds as dur } from '../format/time';
import { levelOf, result, type CheckFacts, type CheckResult, type CheckState } from './check-types';
import type { DlqFigures, GroupFigures } from './inputs';
import type { Thresholds } from './thresholds';

/**
 * The sampler's status as a check state. STALL and STOP are CRIT: the group reads
 * nothing while messages wait. ERR is WARN here: it means the sampler could not read
 * the group, and "Kafka reachable" carries the CRIT for that once, not once per group.
 */
const STATUS_STATE: Record<string, CheckState> = { OK: 'OK', WARN: 'WARN', REWIND: 'WARN', STALL: 'CRIT', STOP: 'CRIT', ERR: 'WARN' };

function groupFacts(g: GroupFigures): CheckFacts {
  return { group: g.groupId, consumer: g.consumer, ...(g.projection ? { projection: g.projection } : {}) };
}

export function groupStatusCheck(g: GroupFigures, now: Date): CheckResult {
  const state = STATUS_STATE[g.status] ?? 'WARN';
  const sampled = dur(Math.max(0, (now.getTime() - g.at.getTime()) / 1000));
  return result('consumer.status', g.consumer, state, `${g.groupId}: ${g.evidence} (sampled ${sampled} ago)`, groupFacts(g));
}

export function groupLagCheck(g: GroupFigures, t: Thresholds): CheckResult {
  const kind = g.projection ? 'projection.lag' : 'consumer.lag';
  const subject = g.projection ?? g.consumer;
  const limit = g.projection ? t.projectionLagSeconds : t.lagSeconds;
  const facts = { ...groupFacts(g), value: g.secondsBehind ?? undefined };
  if (g.secondsBehind === null) {
    return result(kind, subject, 'OK', `${g.groupId}: no seconds-behind figure (lag ${g.lag ?? 'unknown'}); its status check covers it.`, facts);
  }
  const state = levelOf(g.secondsBehind, limit);
  const how = g.secondsLabel && g.secondsLabel !== 'exact' ? ` (${g.secondsLabel})` : '';
  return result(
    kind,
    subject,
    state,
    `${g.groupId} is ${dur(g.secondsBehind)} behind${how}, lag ${g.lag ?? '—'} messages (WARN at ${dur(limit.warn)}, CRIT at ${dur(limit.crit)}).`,
    facts,
  );
}

function dlqFacts(d: DlqFigures, groupOf: (consumer: string) => string | undefined): CheckFacts {
  const group = groupOf(d.consumer);
  return { consumer: d.consumer, ...(group ? { group } : {}), ...(d.topCause ? { causeKey: d.topCause.key } : {}), ...(d.newestTraceId ? { traceId: d.newestTraceId } : {}) };
}

export function dlqChecks(d: DlqFigures, t: Thresholds, groupOf: (consumer: string) => string | undefined): CheckResult[] {
  const facts = dlqFacts(d, groupOf);
  const perMinute = d.windowSeconds > 0 ? d.recent / (d.windowSeconds / 60) : 0;
  const rate = Math.round(perMinute * 100) / 100;
  const cause = d.topCause ? ` Most open: “${d.topCause.message}”.` : '';
  return [
    result(
      'dlq.inflow',
      d.consumer,
      levelOf(perMinute, t.dlqInflowPerMinute),
      `${d.consumer}: ${d.recent} dead letters in the last ${dur(d.windowSeconds)} (${rate}/min; WARN at ${t.dlqInflowPerMinute.warn}/min, CRIT at ${t.dlqInflowPerMinute.crit}/min).${cause}`,
      { ...facts, value: rate },
    ),
    result(
      'dlq.open',
      d.consumer,
      levelOf(d.open, t.dlqOpen),
      `${d.consumer}: ${d.open} dead letters open (WARN at ${t.dlqOpen.warn}, CRIT at ${t.dlqOpen.crit}).${cause}`,
      { ...facts, value: d.open },
    ),
  ];
}
