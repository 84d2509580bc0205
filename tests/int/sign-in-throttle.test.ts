// Sign-in throttling on the real PostgreSQL: a burst of parallel wrong passwords is
// counted attempt by attempt (it used to count as one failure, because every attempt
// read the same record before any wrote it), and stops after the configured maximum.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { createUser } from '@/lib/app/create-user';
import { verifyCredentials, type SignInResult } from '@/lib/app/verify-credentials';
import { createTestDatabase, type TestDatabase } from '../support/database';

const policy = { maxFailures: 5, windowSeconds: 900, lockSeconds: 300 };
let database: TestDatabase;
let db: Db;
let password: string;

beforeAll(async () => {
  database = await createTestDatabase('sign_in_throttle');
  db = createDb(database.url, { poolSize: 10 });
  password = (await createUser(db, { email: 'ada@example.com', role: 'viewer' })).password;
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

const attempt = (email: string, pw: string, clientAddress: string | null) =>
  verifyCredentials({ db, now: () => new Date(), policy }, { email, password: pw, clientAddress });

const count = (results: SignInResult[], reason: string) => results.filter((r) => !r.ok && r.reason === reason).length;

describe('sign-in throttle under concurrency', () => {
  it('20 concurrent wrong passwords for one account lock it after exactly the configured maximum', async () => {
    // Each attempt from its own address, so only the e-mail key decides.
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => attempt('ada@example.com', `wrong-${i}`, `10.1.0.${i}`)));
    expect(results.some((r) => r.ok)).toBe(false);
    expect(count(results, 'invalid')).toBe(policy.maxFailures);
    expect(count(results, 'throttled')).toBe(20 - policy.maxFailures);

    const row = await db.signInThrottle.findUniqueOrThrow({ where: { key: 'email:ada@example.com' } });
    expect(row.failures).toBe(policy.maxFailures);
    expect(row.lockedUntil!.getTime()).toBeGreaterThan(Date.now());
    // Locked: even the right password is refused now.
    expect(await attempt('ada@example.com', password, '10.1.1.1')).toMatchObject({ ok: false, reason: 'throttled' });
  }, 120_000);

  it('20 concurrent wrong passwords from one address across many accounts lock that address', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => attempt(`nobody-${i}@example.com`, 'wrong', '10.2.0.1')));
    expect(count(results, 'invalid')).toBe(policy.maxFailures);
    expect(count(results, 'throttled')).toBe(20 - policy.maxFailures);
    const row = await db.signInThrottle.findUniqueOrThrow({ where: { key: 'addr:10.2.0.1' } });
    expect(row.failures).toBe(policy.maxFailures);
  }, 120_000);

  it('below the maximum nothing locks, and a right password clears the count', async () => {
    const { password: pw } = await createUser(db, { email: 'bob@example.com', role: 'operator' });
    const wrong = await Promise.all(Array.from({ length: policy.maxFailures - 1 }, (_, i) => attempt('bob@example.com', `x${i}`, `10.3.0.${i}`)));
    expect(count(wrong, 'invalid')).toBe(policy.maxFailures - 1);
    expect((await db.signInThrottle.findUniqueOrThrow({ where: { key: 'email:bob@example.com' } })).failures).toBe(policy.maxFailures - 1);
    expect(await attempt('bob@example.com', pw, '10.3.1.1')).toMatchObject({ ok: true, user: { email: 'bob@example.com' } });
    expect(await db.signInThrottle.findUnique({ where: { key: 'email:bob@example.com' } })).toBeNull();
  }, 120_000);
});
