// The wall view's pure parts: its theme from the URL, its overall state, the token scopes.
import { describe, expect, it } from 'vitest';
import { wallOverall, wallThemeOf, WALL_COOKIE_MAX_AGE_SECONDS, WALL_PATH } from '@/lib/domain/checks/wall';
import { API_TOKEN_SCOPES, isApiTokenScope } from '@/lib/domain/api-token-scopes';

describe('wall view', () => {
  it('is dark unless the URL asks for light; anything else is dark', () => {
    expect(wallThemeOf(undefined)).toBe('dark');
    expect(wallThemeOf('light')).toBe('light');
    expect(wallThemeOf(['light'])).toBe('dark');
    expect(wallThemeOf('LIGHT')).toBe('dark');
  });
  it('shows the worst state of every check; none is OK', () => {
    expect(wallOverall([])).toBe('OK');
    expect(wallOverall(['OK', 'WARN', 'OK'])).toBe('WARN');
    expect(wallOverall(['WARN', 'CRIT', 'OK'])).toBe('CRIT');
  });
  it('keeps its cookie on /wall for at most the 400 days browsers allow', () => {
    expect(WALL_PATH).toBe('/wall');
    expect(WALL_COOKIE_MAX_AGE_SECONDS).toBeLessThanOrEqual(400 * 86_400);
  });
  it('token scopes are a closed set: read and wall', () => {
    expect(API_TOKEN_SCOPES).toEqual(['read', 'wall']);
    expect(isApiTokenScope('wall')).toBe(true);
    expect(isApiTokenScope('admin')).toBe(false);
    expect(isApiTokenScope(undefined)).toBe(false);
  });
});
