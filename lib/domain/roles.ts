// Roles and what each may do. Pure: the server checks these on every
// destructive action; the UI only uses them to hide buttons.

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

/** Actions that change something, and the least role that may take them. */
export const actionRoles = {
  'dlq.replay': 'operator',
  'dlq.discard': 'operator',
  'projection.rebuild': 'admin',
  'demo.knobs.update': 'operator',
  'user.create': 'admin',
} as const satisfies Record<string, Role>;
export type Action = keyof typeof actionRoles;

export function mayPerform(role: Role, action: Action): boolean {
  return hasRole(role, actionRoles[action]);
}
