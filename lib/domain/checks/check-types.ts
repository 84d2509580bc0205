// What a check is: a kind (the rule), a subject (the group, consumer, projection or
// "system" it judges), a state with the evidence in words, and facts the runbook
// actions take their parameters from (the group to open, the DLQ consumer, the trace).
import { orderedValues } from '../ordered-values';

export const CHECK_STATES = ['OK', 'WARN', 'CRIT'] as const;
export type CheckState = (typeof CHECK_STATES)[number];

const stateScale = orderedValues(CHECK_STATES);

export const isCheckState: (value: unknown) => value is CheckState = stateScale.is;

export function worse(a: CheckState, b: CheckState): CheckState {
  return stateScale.rank(a) >= stateScale.rank(b) ? a : b;
}

export function worstOf(states: Iterable<CheckState>): CheckState {
  let worst: CheckState = 'OK';
  for (const s of states) worst = worse(worst, s);
  return worst;
}

export function severity(state: CheckState): number {
  return stateScale.rank(state);
}

/** Parameters for runbook actions, filled from what the check looked at. */
export interface CheckFacts {
  group?: string;
  consumer?: string;
  projection?: string;
  causeKey?: string;
  traceId?: string;
  jobId?: string;
  value?: number;
}

export interface CheckResult {
  /** `<kind>:<subject>`, stable across evaluations. */
  id: string;
  kind: string;
  subject: string;
  state: CheckState;
  evidence: string;
  facts: CheckFacts;
}

export function checkId(kind: string, subject: string): string {
  return `${kind}:${subject}`;
}

export function result(kind: string, subject: string, state: CheckState, evidence: string, facts: CheckFacts = {}): CheckResult {
  return { id: checkId(kind, subject), kind, subject, state, evidence, facts };
}

/** WARN at or above `warn`, CRIT at or above `crit`. */
export function levelOf(value: number, limit: { warn: number; crit: number }): CheckState {
  if (value >= limit.crit) return 'CRIT';
  if (value >= limit.warn) return 'WARN';
  return 'OK';
}
