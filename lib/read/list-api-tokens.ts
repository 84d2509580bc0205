// The API tokens page (admin): every token, newest first, without hashes (they never
// leave the database). Index api_tokens(created_at DESC); the table holds a handful of rows.
import type { Db } from '../adapters/prisma/client';

export async function listApiTokens(db: Db) {
  const rows = await db.apiToken.findMany({ orderBy: { createdAt: 'desc' }, take: 500 });
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    scope: r.scope,
    createdAt: r.createdAt.toISOString(),
    createdBy: r.createdBy,
    lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
    revokedAt: r.revokedAt?.toISOString() ?? null,
    revokedBy: r.revokedBy,
  }));
}

export type ApiTokenListItem = Awaited<ReturnType<typeof listApiTokens>>[number];
