// Roles and what each may do. Pure: the server checks these on every
// request through the action table below; the UI only uses them to hide buttons.

export const roles = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof roles)[number];

const rank: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (roles as readonly string[]).includes(value);
}

/** True when `role` is at least `required` (admin ⊃ operator ⊃ viewer). */
export function hasRole(role: Role, required: Role): boolean {
  return rank[role] >= rank[required];
}

/**
 * The one role table: every action the console's server takes for a user, reads
 * included, and the least role that may take it. API routes name their action
 * (lib/http/api-route.ts) and get the role from here; the UI asks `mayPerform`.
 */
export const actionRoles = {
  'overview.read': 'viewer',
  'audit.read': 'viewer',
  'me.read': 'viewer',
  'demo.knobs.read': 'viewer',
  'dlq.replay': 'operator',
  'dlq.discard': 'operator',
  'projection.rebuild': 'admin',
  'demo.knobs.update': 'operator',
  'user.create': 'admin',
  'user.reset': 'admin',
} as const satisfies Record<string, Role>;
export type Action = keyof typeof actionRoles;

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
