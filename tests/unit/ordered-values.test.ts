import { describe, expect, it } from 'vitest';
import { orderedValues } from '../../lib/domain/ordered-values';
import { hasRole, isRole } from '../../lib/domain/roles';
import { isCheckState, worse, worstOf } from '../../lib/domain/checks/check-types';

describe('orderedValues', () => {
  const scale = orderedValues(['low', 'mid', 'high'] as const);
  it('ranks values in the order given, least first', () => {
    expect(['low', 'mid', 'high'].map((v) => scale.rank(v as 'low'))).toEqual([0, 1, 2]);
  });
  it('knows its members and nothing else (no prototype keys, no non-strings)', () => {
    expect(scale.is('mid')).toBe(true);
    for (const v of ['MID', '', 'toString', '__proto__', 1, null, undefined, {}]) expect(scale.is(v)).toBe(false);
  });
  it('serves roles and check states', () => {
    expect(hasRole('admin', 'operator')).toBe(true);
    expect(hasRole('viewer', 'operator')).toBe(false);
    expect(isRole('constructor')).toBe(false);
    expect(isCheckState('WARN')).toBe(true);
    expect(worse('WARN', 'CRIT')).toBe('CRIT');
    expect(worstOf(['OK', 'WARN', 'OK'])).toBe('WARN');
  });
});
