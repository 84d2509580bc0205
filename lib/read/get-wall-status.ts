// The wall view's figures (/wall): the status page cut down to what a screen across the
// room needs: the overall state, counts, every platform part, flow, consumer and
// projection with its state and 24 h bars, the checks that are not OK with their evidence,
// and the open incidents. No links, no user data, no runbook text: the wall token opens
// this and nothing else.
import type { Db } from '../adapters/prisma/client';
import type { CheckArea } from '../domain/checks/catalog';
import { severity, type CheckState } from '../domain/checks/check-types';
import type { Bar } from '../domain/checks/history-bars';
import { wallOverall, type WallCheck } from '../domain/checks/wall';
import { getStatus } from './get-status';

export interface WallEntity {
  area: CheckArea;
  subject: string;
  state: CheckState;
  day: Bar[];
}

export interface WallView {
  now: string;
  /** The newest check evaluation (null: the checker never ran). */
  evaluatedAt: string | null;
  overall: CheckState;
  counts: Record<CheckState, number>;
  entities: WallEntity[];
  notOk: WallCheck[];
  openIncidents: { title: string; subject: string; worstState: CheckState; startedAt: string }[];
}

export async function getWallStatus(db: Db, now: Date): Promise<WallView> {
  const s = await getStatus(db, now, { incidentLimit: 200 });
  const checks = s.entities.flatMap((e) => e.checks);
  const counts: Record<CheckState, number> = { OK: 0, WARN: 0, CRIT: 0 };
  for (const c of checks) counts[c.state]++;
  return {
    now: s.now,
    evaluatedAt: s.evaluatedAt,
    overall: wallOverall(checks.map((c) => c.state)),
    counts,
    entities: s.entities.map((e) => ({ area: e.area, subject: e.subject, state: e.state, day: e.day })),
    notOk: checks
      .filter((c) => c.state !== 'OK')
      .sort((a, b) => severity(b.state) - severity(a.state) || a.since.localeCompare(b.since))
      .map((c) => ({ title: c.title, subject: c.subject, state: c.state, since: c.since, evidence: c.evidence })),
    openIncidents: s.incidents.filter((i) => i.endedAt === null).map((i) => ({ title: i.title, subject: i.subject, worstState: i.worstState, startedAt: i.startedAt })),
  };
}
