// The status page: every flow, consumer and projection with its current state (worst of
// its checks) and history bars over 24 h and 7 d (from incidents), and the incidents
// themselves with start, end and duration.
import type { Db } from '../adapters/prisma/client';
import { titleOf, type CheckArea } from '../domain/checks/catalog';
import { isCheckState, worstOf, type CheckState } from '../domain/checks/check-types';
import { historyBars, type Bar } from '../domain/checks/history-bars';
import { listChecks, type CheckView } from './list-checks';

const DAY = 86_400_000;

export interface StatusEntity {
  area: CheckArea;
  subject: string;
  state: CheckState;
  checks: CheckView[];
  day: Bar[];
  week: Bar[];
}

export interface IncidentView {
  id: string;
  checkId: string;
  title: string;
  subject: string;
  worstState: CheckState;
  startedAt: string;
  endedAt: string | null;
  durationSeconds: number;
  firstEvidence: string;
  lastEvidence: string;
  runbook: { slug: string; title: string } | null;
}

export interface StatusView {
  now: string;
  evaluatedAt: string | null;
  entities: StatusEntity[];
  incidents: IncidentView[];
}

const AREAS: CheckArea[] = ['platform', 'flow', 'consumer', 'projection'];

export async function getStatus(db: Db, now: Date, o: { incidentLimit?: number } = {}): Promise<StatusView> {
  const weekAgo = new Date(now.getTime() - 7 * DAY);
  const [checks, incidents] = await Promise.all([
    listChecks(db, now),
    db.incident.findMany({ where: { OR: [{ endedAt: null }, { endedAt: { gte: weekAgo } }] }, orderBy: { startedAt: 'desc' }, take: 5_000 }),
  ]);
  const runbookOf = new Map(checks.checks.map((c) => [c.kind, c.runbook]));
  // Platform and flow checks are one entity each ("Kafka", "Outbox relay"); consumer and
  // projection checks group by their subject.
  const keyOf = (area: CheckArea, kind: string, subject: string) => (area === 'platform' || area === 'flow' ? `${area}|${titleOf(kind)}` : `${area}|${subject}`);
  const groups = new Map<string, CheckView[]>();
  for (const c of checks.checks) groups.set(keyOf(c.area, c.kind, c.subject), [...(groups.get(keyOf(c.area, c.kind, c.subject)) ?? []), c]);
  const entities = [...groups.entries()].map(([key, cs]) => {
    const area = cs[0]!.area;
    const ids = new Set(cs.map((c) => c.id));
    const spans = incidents.filter((i) => ids.has(i.checkId)).map((i) => ({ startedAt: i.startedAt, endedAt: i.endedAt, worstState: isCheckState(i.worstState) ? i.worstState : ('WARN' as const) }));
    return {
      area,
      subject: area === 'platform' || area === 'flow' ? key.split('|')[1]! : cs[0]!.subject,
      state: worstOf(cs.map((c) => c.state)),
      checks: cs,
      day: historyBars(spans, now, DAY, 24),
      week: historyBars(spans, now, 7 * DAY, 28),
    };
  });
  entities.sort((a, b) => AREAS.indexOf(a.area) - AREAS.indexOf(b.area) || a.subject.localeCompare(b.subject));
  return {
    now: now.toISOString(),
    evaluatedAt: checks.evaluatedAt,
    entities,
    incidents: incidents.slice(0, o.incidentLimit ?? 100).map((i) => ({
      id: i.id,
      checkId: i.checkId,
      title: titleOf(i.kind),
      subject: i.subject,
      worstState: isCheckState(i.worstState) ? i.worstState : 'WARN',
      startedAt: i.startedAt.toISOString(),
      endedAt: i.endedAt?.toISOString() ?? null,
      durationSeconds: Math.max(0, Math.round(((i.endedAt ?? now).getTime() - i.startedAt.getTime()) / 1000)),
      firstEvidence: i.firstEvidence,
      lastEvidence: i.lastEvidence,
      runbook: runbookOf.get(i.kind) ?? null,
    })),
  };
}
