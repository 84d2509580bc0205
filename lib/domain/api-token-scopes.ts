// What an API token may open (lib/auth/api-token.ts checks it on every use):
// - `read`: the read-only JSON API of the Consumers screens and /api/metrics, as a bearer token;
// - `wall`: the wall view (/wall) and nothing else, in an httpOnly cookie scoped to /wall.
// A token has exactly one scope; neither opens what the other does.
export const API_TOKEN_SCOPES = ['read', 'wall'] as const;
export type ApiTokenScope = (typeof API_TOKEN_SCOPES)[number];

export function isApiTokenScope(value: unknown): value is ApiTokenScope {
  return typeof value === 'string' && (API_TOKEN_SCOPES as readonly string[]).includes(value);
}
