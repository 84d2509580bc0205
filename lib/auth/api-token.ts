// API tokens for scripts and dashboards: `Authorization: Bearer sbx_<43 chars>`, read-only.
// Checked here by their SHA-256 (lib/adapters/api-token.ts makes them and says why a fast
// hash is enough); a database leak gives only hashes, which cannot be turned back into tokens.
import type { Db } from '../adapters/prisma/client';
import { hashApiToken } from '../adapters/api-token';
import type { SessionUser } from '../domain/session-user';

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

/**
 * The principal a valid, unrevoked token acts as: a read-only (viewer) actor named after
 * the token, so audit entries say which token did what. Null for anything else.
 */
export async function verifyApiToken(db: Db, token: string, now: Date): Promise<SessionUser | null> {
  if (!TOKEN_SHAPE.test(token)) return null;
  const row = await db.apiToken.findUnique({ where: { tokenHash: hashApiToken(token) } });
  if (!row || row.revokedAt || row.scope !== 'read') return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } }).catch(() => undefined);
  }
  return { id: row.id, email: `token:${row.name}`, name: row.name, role: 'viewer' };
}
