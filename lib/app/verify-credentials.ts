import { z } from 'zod';
import type { Db, Prisma } from '../adapters/prisma/client';
import { dummyPasswordHash, verifyPassword } from '../adapters/password';
import { checkThrottle, recordFailure, type ThrottlePolicy, type ThrottleRecord } from '../domain/sign-in-throttle';
import { isRole, type Role } from '../domain/roles';

export const credentialsSchema = z.object({
  email: z.string().trim().toLowerCase().email().max(254),
  password: z.string().min(1).max(1024),
});

export type SignInResult =
  | { ok: true; user: { id: string; email: string; name: string | null; role: Role } }
  | { ok: false; reason: 'invalid' | 'throttled'; retryAfterSeconds?: number };

interface Deps {
  db: Db;
  now: () => Date;
  policy: ThrottlePolicy;
}

// Attempts for one key wait for each other (see below); generous, since a burst
// of guesses queues behind one password check (~50 ms) each.
const TRANSACTION_OPTIONS = { maxWait: 30_000, timeout: 60_000 };

type LockedRecord = ThrottleRecord & { key: string };

/** Creates the keys' rows when missing, then locks them in key order (no deadlocks between attempts sharing a key). */
async function lockThrottleRows(tx: Prisma.TransactionClient, keys: string[], now: Date): Promise<LockedRecord[]> {
  await tx.$executeRaw`
    INSERT INTO sign_in_throttle (key, failures, window_start)
    SELECT k, 0, ${now} FROM unnest(${keys}::text[]) AS k ORDER BY k
    ON CONFLICT (key) DO NOTHING`;
  const rows = await tx.$queryRaw<Array<{ key: string; failures: number; window_start: Date; locked_until: Date | null }>>`
    SELECT key, failures, window_start, locked_until FROM sign_in_throttle
    WHERE key = ANY(${keys}::text[]) ORDER BY key FOR UPDATE`;
  return rows.map((r) => ({ key: r.key, failures: r.failures, windowStart: r.window_start, lockedUntil: r.locked_until }));
}

/**
 * Checks an e-mail and password. Throttled per e-mail and per client address;
 * the answer never says whether the account exists.
 *
 * The throttle rows of the attempt's keys are locked from the check until the
 * failure is counted, password check included: parallel guesses for one key are
 * decided one after another, so a burst can never try more than the policy's
 * maximum (each counted, then the lock refuses the rest).
 */
export async function verifyCredentials(
  deps: Deps,
  input: { email: unknown; password: unknown; clientAddress: string | null },
): Promise<SignInResult> {
  const parsed = credentialsSchema.safeParse({ email: input.email, password: input.password });
  if (!parsed.success) return { ok: false, reason: 'invalid' };
  const { email, password } = parsed.data;
  const emailKey = `email:${email}`;
  const keys = [emailKey, ...(input.clientAddress ? [`addr:${input.clientAddress.slice(0, 100)}`] : [])];

  return deps.db.$transaction(async (tx): Promise<SignInResult> => {
    const records = await lockThrottleRows(tx, keys, deps.now());
    const now = deps.now(); // after the wait for the lock
    for (const record of records) {
      const verdict = checkThrottle(record, now);
      if (!verdict.allowed) return { ok: false, reason: 'throttled', retryAfterSeconds: verdict.retryAfterSeconds };
    }

    const user = await tx.user.findUnique({ where: { email } });
    const valid = user
      ? await verifyPassword(user.passwordHash, password)
      : (await verifyPassword(await dummyPasswordHash(), password), false);

    if (!user || !valid || user.disabledAt || !isRole(user.role)) {
      for (const record of records) {
        const next = recordFailure(record.failures === 0 ? null : record, now, deps.policy);
        await tx.signInThrottle.update({ where: { key: record.key }, data: next });
      }
      return { ok: false, reason: 'invalid' };
    }

    // Success clears the e-mail's count, and rows that only the lock needed.
    await tx.$executeRaw`DELETE FROM sign_in_throttle WHERE key = ANY(${keys}::text[]) AND (key = ${emailKey} OR failures = 0)`;
    return { ok: true, user: { id: user.id, email: user.email, name: user.name, role: user.role } };
  }, TRANSACTION_OPTIONS);
}
