import { z } from 'zod';
import type { Db } from '../adapters/prisma/client';
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

/**
 * Checks an e-mail and password. Throttled per e-mail and per client address;
 * the answer never says whether the account exists.
 */
export async function verifyCredentials(
  deps: Deps,
  input: { email: unknown; password: unknown; clientAddress: string | null },
): Promise<SignInResult> {
  const parsed = credentialsSchema.safeParse({ email: input.email, password: input.password });
  if (!parsed.success) return { ok: false, reason: 'invalid' };
  const { email, password } = parsed.data;
  const now = deps.now();
  const keys = [`email:${email}`, ...(input.clientAddress ? [`addr:${input.clientAddress.slice(0, 100)}`] : [])];

  const records = await deps.db.signInThrottle.findMany({ where: { key: { in: keys } } });
  for (const record of records) {
    const verdict = checkThrottle(record, now);
    if (!verdict.allowed) return { ok: false, reason: 'throttled', retryAfterSeconds: verdict.retryAfterSeconds };
  }

  const user = await deps.db.user.findUnique({ where: { email } });
  const valid = user
    ? await verifyPassword(user.passwordHash, password)
    : (await verifyPassword(await dummyPasswordHash(), password), false);

  if (!user || !valid || user.disabledAt || !isRole(user.role)) {
    await Promise.all(
      keys.map((key) => {
        const current = records.find((r) => r.key === key) ?? null;
        const next: ThrottleRecord = recordFailure(current, now, deps.policy);
        return deps.db.signInThrottle.upsert({ where: { key }, create: { key, ...next }, update: next });
      }),
    );
    return { ok: false, reason: 'invalid' };
  }

  await deps.db.signInThrottle.deleteMany({ where: { key: keys[0] } });
  return { ok: true, user: { id: user.id, email: user.email, name: user.name, role: user.role } };
}
