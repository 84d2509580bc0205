import { z } from 'zod';
import type { Db } from '../adapters/prisma/client';
import { generatePassword, hashPassword } from '../adapters/password';
import { AppError } from '../errors';
import { roles } from '../domain/roles';
import { cliActor, recordAudit, type AuditActor } from './record-audit';

export const createUserInputSchema = z.object({
  email: z.string().trim().toLowerCase().email('must be an e-mail address').max(254),
  role: z.enum(roles, { message: `must be one of ${roles.join(', ')}` }),
  name: z.string().trim().min(1).max(100).optional(),
});
export type CreateUserInput = z.infer<typeof createUserInputSchema>;

/**
 * Creates a user with a generated password, returned once and never stored in clear.
 * The user and the audit entry ('user.create', or 'user.reset' for --reset) commit
 * together. `actor` defaults to the user:create command-line tool.
 */
export async function createUser(
  db: Db,
  input: CreateUserInput,
  options: { password?: string; ifExists?: 'fail' | 'reset'; actor?: AuditActor } = {},
): Promise<{ id: string; email: string; role: string; password: string; created: boolean }> {
  const password = options.password ?? generatePassword();
  const passwordHash = await hashPassword(password); // slow on purpose: outside the transaction
  return db.$transaction(async (tx) => {
    const existing = await tx.user.findUnique({ where: { email: input.email } });
    if (existing && options.ifExists !== 'reset') {
      throw new AppError('conflict', `A user with e-mail ${input.email} already exists.`);
    }
    const user = existing
      ? await tx.user.update({
          where: { id: existing.id },
          data: { role: input.role, passwordHash, disabledAt: null, name: input.name ?? existing.name },
        })
      : await tx.user.create({ data: { email: input.email, role: input.role, name: input.name, passwordHash } });
    await recordAudit(tx, {
      actor: options.actor ?? cliActor('user:create'),
      action: existing ? 'user.reset' : 'user.create',
      target: user.email,
      outcome: 'ok',
      details: { userId: user.id, role: user.role },
    });
    return { id: user.id, email: user.email, role: user.role, password, created: !existing };
  });
}
