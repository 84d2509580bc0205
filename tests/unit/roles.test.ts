import { describe, expect, it } from 'vitest';
import { actionRoles, hasRole, isAction, isRole, mayPerform, roleFor } from '@/lib/domain/roles';

describe('roles', () => {
  it('orders admin above operator above viewer', () => {
    expect(hasRole('admin', 'operator')).toBe(true);
    expect(hasRole('operator', 'operator')).toBe(true);
    expect(hasRole('viewer', 'operator')).toBe(false);
    expect(hasRole('operator', 'admin')).toBe(false);
  });

  it('lets operators replay but only admins rebuild projections', () => {
    expect(mayPerform('viewer', 'dlq.replay')).toBe(false);
    expect(mayPerform('operator', 'dlq.replay')).toBe(true);
    expect(mayPerform('operator', 'projection.rebuild')).toBe(false);
    expect(mayPerform('admin', 'projection.rebuild')).toBe(true);
  });

  it('recognises only the three role names', () => {
    for (const bad of ['Admin', 'root', '', null, 1, { role: 'admin' }, '__proto__']) expect(isRole(bad)).toBe(false);
    expect(isRole('viewer')).toBe(true);
  });

  it('takes every role from the one action table, reads included', () => {
    expect(roleFor('overview.read')).toBe('viewer');
    expect(roleFor('demo.knobs.update')).toBe('operator');
    for (const [action, role] of Object.entries(actionRoles)) {
      expect(isAction(action)).toBe(true);
      expect(isRole(role)).toBe(true);
    }
    for (const bad of ['toString', '__proto__', 'dlq', '', 42]) expect(isAction(bad)).toBe(false);
  });
});
