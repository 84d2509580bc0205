// Roles and what each may do. Pure: the server checks these on every
// request through the action table below; the UI only uses them to hide buttons.
import { orderedValues } from './ordered-values';

export const roles = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof roles)[number];

const roleScale = orderedValues(roles);

export const isRole: (value: unknown) => value is Role = roleScale.is;

/** True when `role` is at least `required` (admin ⊃ operator ⊃ viewer). */
export function hasRole(role: Role, required: Role): boolean {
  return roleScale.rank(role) >= roleScale.rank(required);
}

/**
 * The one role table: every action the console's server takes for a user, reads
 * included, and the least role that may take it. API routes name their action
 * (lib/http/api-route.ts) and get the role from here; the UI asks `mayPerform`.
 */
export const actionRoles = {
  'overview.read': 'viewer',
  'audit.read': 'viewer',
  'traces.read': 'viewer',
  'me.read': 'viewer',
  'demo.knobs.read': 'viewer',
  'jobs.read': 'viewer',
  'dlq.read': 'viewer',
  'dlq.replay': 'operator',
  'dlq.discard': 'operator',
  'dlq.edit': 'operator',
  'dlq.note': 'operator',
  'dlq.approve': 'admin',
  'dlq.rate.update': 'admin',
  'projection.rebuild': 'admin',
  'projection.swap': 'admin',
  'projection.drop': 'admin',
  'projections.read': 'viewer',
  'demo.knobs.update': 'operator',
  // The least role for the route; the job's kind may ask for more (lib/app/*-job.ts).
  'job.start': 'operator',
  'job.pause': 'operator',
  'job.resume': 'operator',
  'job.cancel': 'operator',
  'user.create': 'admin',
  'user.reset': 'admin',
  'consumers.read': 'viewer',
  // Checks, runbooks and the status page (docs/runbooks-and-checks.md).
  'checks.read': 'viewer',
  'status.read': 'viewer',
  'metrics.read': 'viewer',
  'tokens.read': 'admin',
  'tokens.create': 'admin',
  'tokens.revoke': 'admin',
} as const satisfies Record<string, Role>;
export type Action = keyof typeof actionRoles;

/**
 * Actions an API token (read-only scope, lib/auth/api-token.ts) may take: the JSON API
 * of the Consumers screens and the Prometheus endpoint. Every other route needs a session.
 */
export const tokenActions: readonly Action[] = ['consumers.read', 'metrics.read'];

export function acceptsApiToken(action: Action): boolean {
  return tokenActions.includes(action) && roleFor(action) === 'viewer';
}

export function isAction(value: unknown): value is Action {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(actionRoles, value);
}

/** The least role `action` needs. */
export function roleFor(action: Action): Role {
  return actionRoles[action];
}

export function mayPerform(role: Role, action: Action): boolean {
  return hasRole(role, roleFor(action));
}
