// The wall view (/wall): a read-only status screen shown all day, opened with a `wall`
// token (lib/domain/api-token-scopes.ts). The token travels once in the URL
// (/wall?token=…), is exchanged for an httpOnly cookie scoped to /wall, and the browser is
// sent on to a clean /wall, so the token does not stay in the address bar, history or
// later access logs; every request of the wall re-checks it (revocation is immediate).
import { worstOf, type CheckState } from './check-types';

export const WALL_PATH = '/wall';
export const WALL_COOKIE = 'sbx_wall';
/** The wall refetches its figures this often. */
export const WALL_REFRESH_MS = 10_000;
/** The cookie outlives a browser restart (a wall screen reboots); revoking the token ends it. 400 days is the browsers' cap. */
export const WALL_COOKIE_MAX_AGE_SECONDS = 400 * 86_400;

export type WallTheme = 'dark' | 'light';
/** Dark unless the URL asks for light: a wall screen is looked at from across a room all day. */
export function wallThemeOf(value: unknown): WallTheme {
  return value === 'light' ? 'light' : 'dark';
}

export interface WallCheck {
  title: string;
  subject: string;
  state: CheckState;
  since: string;
  evidence: string;
}

/** The overall state a wall shows in large type: the worst of every check, CRIT first. */
export function wallOverall(states: readonly CheckState[]): CheckState {
  return worstOf(states);
}
