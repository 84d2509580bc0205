// From the stored states and a new evaluation to what changes: new states (keeping
// `since` while the state holds), transitions, and what each does to incidents. Pure.
import { severity, type CheckResult, type CheckState } from './check-types';

export interface StoredCheck {
  id: string;
  state: CheckState;
  since: Date;
}

export interface Transition {
  checkId: string;
  kind: string;
  subject: string;
  from: CheckState | null;
  to: CheckState;
  at: Date;
  evidence: string;
  facts: CheckResult['facts'];
  /** open: a non-OK period starts; escalate: it gets worse; close: back to OK; null: better but still non-OK. */
  incident: 'open' | 'escalate' | 'close' | null;
}

export interface NextStates {
  /** Every evaluated check with the time its current state began. */
  states: (CheckResult & { since: Date })[];
  transitions: Transition[];
  /** Stored checks this evaluation no longer reports (the group or consumer went away). */
  removed: string[];
}

function incidentOf(from: CheckState | null, to: CheckState): Transition['incident'] {
  const wasBad = from !== null && from !== 'OK';
  if (to === 'OK') return wasBad ? 'close' : null;
  if (!wasBad) return 'open';
  return severity(to) > severity(from) ? 'escalate' : null;
}

/**
 * `complete` says whether the evaluation covered everything (false when PostgreSQL was
 * unreachable and only its own check ran): only then are missing checks removed.
 */
export function nextStates(previous: readonly StoredCheck[], results: readonly CheckResult[], now: Date, complete = true): NextStates {
  const before = new Map(previous.map((p) => [p.id, p]));
  const transitions: Transition[] = [];
  const states = results.map((r) => {
    const p = before.get(r.id);
    if (p && p.state === r.state) return { ...r, since: p.since };
    // A first sighting that is OK is no change worth telling anyone about.
    if (p || r.state !== 'OK') {
      transitions.push({ checkId: r.id, kind: r.kind, subject: r.subject, from: p?.state ?? null, to: r.state, at: now, evidence: r.evidence, facts: r.facts, incident: incidentOf(p?.state ?? null, r.state) });
    }
    return { ...r, since: now };
  });
  const seen = new Set(results.map((r) => r.id));
  const removed = complete ? previous.filter((p) => !seen.has(p.id)).map((p) => p.id) : [];
  for (const id of removed) {
    const p = before.get(id)!;
    if (p.state === 'OK') continue;
    const [kind, ...rest] = id.split(':');
    transitions.push({ checkId: id, kind: kind!, subject: rest.join(':'), from: p.state, to: 'OK', at: now, evidence: 'No longer reported: the group, consumer or projection it judged is gone.', facts: {}, incident: 'close' });
  }
  return { states, transitions, removed };
}
