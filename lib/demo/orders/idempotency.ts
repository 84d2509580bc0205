// Idempotency-Key bookkeeping for commands. The key is claimed FIRST, inside the
// command's transaction, with INSERT … ON CONFLICT DO NOTHING: a concurrent
// request with the same key blocks on the primary key until the first one
// commits (then sees its stored response) or rolls back (then runs itself).
// Only successful results are remembered; a rejected command leaves no key.
import type { Prisma } from '../../adapters/prisma/client';
import { AppError } from '../../errors';

type Tx = Prisma.TransactionClient;

export const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,200}$/;

export type ClaimResult<R> = { claimed: true } | { claimed: false; response: R };

const PENDING = { pending: true } as const;

export async function claimIdempotencyKey<R>(tx: Tx, command: string, key: string, requestHash: string): Promise<ClaimResult<R>> {
  const { count } = await tx.idempotencyKey.createMany({ data: [{ command, key, requestHash, response: PENDING }], skipDuplicates: true });
  if (count === 1) return { claimed: true };
  // Read after the conflicting transaction committed (READ COMMITTED: a fresh snapshot per statement).
  const stored = await tx.idempotencyKey.findUnique({ where: { command_key: { command, key } } });
  if (!stored) {
    // The holder rolled back between our insert and read: rare; the caller may simply retry.
    throw new AppError('concurrent_update', 'A request with this Idempotency-Key is still being processed; retry.');
  }
  if (stored.requestHash !== requestHash) {
    throw new AppError('conflict', 'This Idempotency-Key was already used with a different request.');
  }
  return { claimed: false, response: stored.response as R };
}

export async function completeIdempotencyKey(tx: Tx, command: string, key: string, response: Prisma.InputJsonValue): Promise<void> {
  await tx.idempotencyKey.update({ where: { command_key: { command, key } }, data: { response } });
}
