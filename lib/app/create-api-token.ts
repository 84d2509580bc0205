import { z } from 'zod';
import type { Db } from '../adapters/prisma/client';
import { newApiToken } from '../adapters/api-token';
import { hasRole, isRole, roleFor } from '../domain/roles';
import { AppError } from '../errors';
import { recordAudit, type AuditActor } from './record-audit';
import { API_TOKEN_SCOPES } from '../domain/api-token-scopes';

const ACTION = 'tokens.create';

export const createApiTokenInputSchema = z.strictObject({
  name: z.string().trim().min(1, 'must not be empty').max(80, 'must be at most 80 characters').regex(/^[\x20-\x7e]+$/, 'must be printable ASCII'),
  // `read`: the read-only JSON API and /api/metrics; `wall`: the wall view (/wall) alone.
  scope: z.enum(API_TOKEN_SCOPES).default('read'),
});
export type CreateApiTokenInput = z.input<typeof createApiTokenInputSchema>;

/**
 * Creates a read-only API token for an admin, of scope `read` (the JSON API) or `wall`
 * (the wall view alone; lib/auth/api-token.ts). The token is returned once and stored only
 * as its SHA-256 (lib/adapters/api-token.ts says why that is enough for a random token); the
 * token row and its audit entry commit together. The role is checked here too, so the
 * CLI and the route cannot differ.
 */
export async function createApiToken(db: Db, actor: AuditActor & { role: string }, input: CreateApiTokenInput) {
  if (actor.role !== 'system' && !(isRole(actor.role) && hasRole(actor.role, roleFor(ACTION)))) {
    await recordAudit(db, { actor, action: ACTION, target: input.name, outcome: 'denied' });
    throw new AppError('forbidden', `Creating API tokens needs the ${roleFor(ACTION)} role.`);
  }
  const { token, hash, prefix } = newApiToken();
  return db.$transaction(async (tx) => {
    const row = await tx.apiToken.create({ data: { name: input.name, prefix, tokenHash: hash, scope: input.scope ?? 'read', createdBy: actor.email } });
    await recordAudit(tx, { actor, action: ACTION, target: row.id, outcome: 'ok', details: { name: row.name, prefix, scope: row.scope } });
    return { id: row.id, name: row.name, prefix, scope: row.scope, createdAt: row.createdAt.toISOString(), token };
  });
}
