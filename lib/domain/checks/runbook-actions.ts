// The closed set of actions a runbook step may offer. A runbook names an action kind
// (`[Open the lagging group](action:consumer-group)`); the console builds the link from
// the facts of the check that is not OK (its group, consumer, cause, projection, job,
// trace) and shows it only to a role that may take it. Runbook files never carry URLs
// of their own into a button, and raw HTML in them is rendered as text.
import { mayPerform, type Action, type Role } from '../roles';
import type { CheckFacts } from './check-types';

interface ActionKind {
  /** What the user needs to follow the link (the action table in lib/domain/roles.ts). */
  requires: Action;
  /** The link for one check's facts, or null when the facts lack what it needs. */
  href(f: CheckFacts): string | null;
  /** Where the link goes without facts (no check of the runbook is failing). */
  fallback: string;
}

const enc = encodeURIComponent;

export const RUNBOOK_ACTIONS = {
  'consumer-group': { requires: 'consumers.read', href: (f) => (f.group ? `/consumers/${enc(f.group)}` : null), fallback: '/consumers?sort=-seconds' },
  consumers: { requires: 'consumers.read', href: () => '/consumers?sort=-seconds', fallback: '/consumers?sort=-seconds' },
  'dlq-consumer': { requires: 'dlq.read', href: (f) => (f.consumer ? `/dlq?consumer=${enc(f.consumer)}` : null), fallback: '/dlq' },
  'dlq-cause': { requires: 'dlq.read', href: (f) => (f.causeKey ? `/dlq/causes/${enc(f.causeKey)}${f.consumer ? `?consumer=${enc(f.consumer)}` : ''}` : null), fallback: '/dlq' },
  // The cause page's replay panel starts with a dry run (preview) before any replay.
  'dlq-replay-dry-run': { requires: 'dlq.replay', href: (f) => (f.causeKey ? `/dlq/causes/${enc(f.causeKey)}#replay` : f.consumer ? `/dlq?consumer=${enc(f.consumer)}` : null), fallback: '/dlq' },
  projection: { requires: 'overview.read', href: (f) => (f.projection ? `/projections/${enc(f.projection)}` : null), fallback: '/projections' },
  'projection-drift-check': { requires: 'job.start', href: (f) => (f.projection ? `/projections/${enc(f.projection)}#drift` : null), fallback: '/projections' },
  'projection-rebuild': { requires: 'projection.rebuild', href: (f) => (f.projection ? `/projections/${enc(f.projection)}#rebuild` : null), fallback: '/projections' },
  job: { requires: 'jobs.read', href: (f) => (f.jobId ? `/jobs/${enc(f.jobId)}` : null), fallback: '/jobs?state=failed' },
  trace: { requires: 'overview.read', href: (f) => (f.traceId ? `/traces/${enc(f.traceId)}` : null), fallback: '/traces' },
  outbox: { requires: 'consumers.read', href: () => '/outbox', fallback: '/outbox' },
  status: { requires: 'status.read', href: () => '/status', fallback: '/status' },
  'demo-knobs': { requires: 'demo.knobs.update', href: () => '/#demo-knobs', fallback: '/#demo-knobs' },
  audit: { requires: 'audit.read', href: () => '/audit', fallback: '/audit' },
} as const satisfies Record<string, ActionKind>;

export type RunbookActionKind = keyof typeof RUNBOOK_ACTIONS;
export const runbookActionKinds = Object.keys(RUNBOOK_ACTIONS) as RunbookActionKind[];

export function isRunbookAction(value: unknown): value is RunbookActionKind {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(RUNBOOK_ACTIONS, value);
}

export interface ResolvedAction {
  href: string;
  /** The subject the link is about ("signalbox.shipping"), when it came from a check. */
  subject: string | null;
}

/**
 * The links of one action for the checks a runbook shows: one per failing subject that has
 * the facts it needs (deduplicated), else the fallback. Empty when the role may not take it.
 */
export function resolveAction(kind: RunbookActionKind, role: Role, failing: readonly { subject: string; facts: CheckFacts }[]): ResolvedAction[] {
  const a: ActionKind = RUNBOOK_ACTIONS[kind];
  if (!mayPerform(role, a.requires)) return [];
  const out = new Map<string, ResolvedAction>();
  for (const c of failing) {
    const href = a.href(c.facts);
    if (href && !out.has(href)) out.set(href, { href, subject: c.subject });
  }
  return out.size > 0 ? [...out.values()] : [{ href: a.fallback, subject: null }];
}

export function requiredActionOf(kind: RunbookActionKind): Action {
  return RUNBOOK_ACTIONS[kind].requires;
}
