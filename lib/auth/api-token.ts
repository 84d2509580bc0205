// API tokens for scripts and dashboards: `Authorization: Bearer sbx_<43 chars>`, read-only.
// Checked here by their SHA-256 (lib/adapters/api-token.ts makes them and says why a fast
// hash is enough); a database leak gives only hashes, which cannot be turned back into tokens.
//
// Two scopes, never interchangeable (lib/domain/api-token-scopes.ts): a `read` token is a
// bearer token for the read API (lib/domain/roles.ts, tokenActions); a `wall` token opens
// the wall view alone, from an httpOnly cookie scoped to /wall (docs/runbooks-and-checks.md).
import type { Db } from '../adapters/prisma/client';
import { hashApiToken } from '../adapters/api-token';
import type { SessionUser } from '../domain/session-user';
import type { ApiTokenScope } from '../domain/api-token-scopes';

const TOKEN_SHAPE = /^sbx_[A-Za-z0-9_-]{43}$/;
/** last_used_at is written at most this often per token (no write per scrape). */
const LAST_USED_RESOLUTION_MS = 60_000;

/** The bearer token of a request, or null when it sends none (a malformed one is returned for the check to refuse). */
export function bearerTokenOf(headers: Headers): string | null {
  const value = headers.get('authorization');
  if (!value) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value);
  return match ? match[1]! : '';
}

/** The row of a valid, unrevoked token of exactly `scope`, its last use noted; null for anything else. */
async function tokenOfScope(db: Db, token: string, scope: ApiTokenScope, now: Date) {
  if (!TOKEN_SHAPE.test(token)) return null;
  const row = await db.apiToken.findUnique({ where: { tokenHash: hashApiToken(token) } });
  if (!row || row.revokedAt || row.scope !== scope) return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } }).catch(() => undefined);
  }
  return row;
}

/**
 * The principal a valid, unrevoked `read` token acts as: a read-only (viewer) actor named
 * after the token, so audit entries say which token did what. Null for anything else,
 * a wall token included.
 */
export async function verifyApiToken(db: Db, token: string, now: Date): Promise<SessionUser | null> {
  const row = await tokenOfScope(db, token, 'read', now);
  return row ? { id: row.id, email: `token:${row.name}`, name: row.name, role: 'viewer' } : null;
}

/** The wall token's id and name when `token` is a valid, unrevoked `wall` token; null otherwise (a read token included). */
export async function verifyWallToken(db: Db, token: string, now: Date): Promise<{ id: string; name: string } | null> {
  const row = await tokenOfScope(db, token, 'wall', now);
  return row ? { id: row.id, name: row.name } : null;
}
