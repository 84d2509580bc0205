// Every check's current state (check_states, written by the checker) with its title and
// runbook, plus "Checker fresh", judged here from the checker's heartbeat: a checker that
// stopped cannot report itself, and its stored states are only as new as its last beat.
import type { Db } from '../adapters/prisma/client';
import { cachedRunbooks } from '../adapters/runbooks/runbook-files';
import { areaOf, SYSTEM, titleOf, type CheckArea } from '../domain/checks/catalog';
import { isCheckState, severity, type CheckFacts, type CheckState } from '../domain/checks/check-types';
import { heartbeatCheck } from '../domain/checks/evaluate-platform';
import { runbookIndex } from '../domain/checks/runbook';
import { DEFAULT_THRESHOLDS } from '../domain/checks/thresholds';

export const CHECKER_KIND = 'checker';

export interface CheckView {
  id: string;
  kind: string;
  title: string;
  area: CheckArea;
  subject: string;
  state: CheckState;
  since: string;
  evidence: string;
  facts: CheckFacts;
  evaluatedAt: string;
  runbook: { slug: string; title: string } | null;
}

export interface ChecksView {
  checks: CheckView[];
  counts: Record<CheckState, number>;
  /** The newest evaluation the states come from (null: the checker never ran). */
  evaluatedAt: string | null;
}

async function checkerCheck(db: Db, now: Date, newest: Date | null): Promise<Omit<CheckView, 'runbook'>> {
  const beats = await db.processHeartbeat.findMany({ where: { kind: CHECKER_KIND }, orderBy: { lastBeatAt: 'desc' }, take: 5 });
  const active = beats.find((b) => (b.details as { role?: string } | null)?.role === 'active') ?? beats[0];
  const intervalMs = Number((active?.details as { intervalMs?: number } | null)?.intervalMs) || null;
  const r = heartbeatCheck('checker.fresh', 'checker', active ? { instance: active.instance, lastBeatAt: active.lastBeatAt, intervalMs } : null, now, DEFAULT_THRESHOLDS.heartbeatSeconds);
  const since = r.state === 'OK' ? (active?.startedAt ?? now) : (newest ?? active?.lastBeatAt ?? now);
  return { id: r.id, kind: r.kind, title: titleOf(r.kind), area: areaOf(r.kind), subject: SYSTEM, state: r.state, since: since.toISOString(), evidence: r.evidence, facts: {}, evaluatedAt: now.toISOString() };
}

/** Worst first, then by area and title. */
export async function listChecks(db: Db, now: Date): Promise<ChecksView> {
  const [rows, runbooks] = await Promise.all([db.checkState.findMany(), cachedRunbooks()]);
  const index = runbookIndex(runbooks);
  const newest = rows.reduce<Date | null>((m, r) => (!m || r.evaluatedAt > m ? r.evaluatedAt : m), null);
  const stored = rows.map((r) => ({
    id: r.checkId,
    kind: r.kind,
    title: titleOf(r.kind),
    area: areaOf(r.kind),
    subject: r.subject,
    state: isCheckState(r.state) ? r.state : ('WARN' as const),
    since: r.since.toISOString(),
    evidence: r.evidence,
    facts: (r.facts ?? {}) as CheckFacts,
    evaluatedAt: r.evaluatedAt.toISOString(),
  }));
  const all = [...stored, await checkerCheck(db, now, newest)].map((c) => {
    const rb = index.get(c.kind);
    return { ...c, runbook: rb ? { slug: rb.slug, title: rb.title } : null };
  });
  all.sort((a, b) => severity(b.state) - severity(a.state) || a.area.localeCompare(b.area) || a.title.localeCompare(b.title) || a.subject.localeCompare(b.subject));
  const counts: Record<CheckState, number> = { OK: 0, WARN: 0, CRIT: 0 };
  for (const c of all) counts[c.state]++;
  return { checks: all, counts, evaluatedAt: newest?.toISOString() ?? null };
}
