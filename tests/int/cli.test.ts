// The command-line boundary: scripts/user-create.ts and scripts/orders-cli.ts
// run as real processes against a test database, with malformed, oversized and
// hostile arguments. Each gets a clear message and a usage exit code; nothing
// is written; valid input still works afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { verifyPassword } from '@/lib/adapters/password';
import { createTestDatabase, type TestDatabase } from '../support/database';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase('cli');
  db = createDb(database.url, { poolSize: 2 });
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

function run(script: string, args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: database.url, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

describe('user:create', () => {
  it('creates a user and prints a generated password once, storing only its hash', async () => {
    const r = run('scripts/user-create.ts', ['--email', 'Ops@Example.com', '--role', 'operator']);
    expect(r.code).toBe(0);
    const password = /Password \(shown once\): (\S+)/.exec(r.out)?.[1];
    expect(password).toMatch(/^[A-Za-z0-9_-]{20}$/);
    const user = await db.user.findUniqueOrThrow({ where: { email: 'ops@example.com' } });
    expect(user.role).toBe('operator');
    expect(user.passwordHash).not.toContain(password!);
    expect(user.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(user.passwordHash, password!)).toBe(true);
  });

  it('refuses a second user with the same e-mail unless --reset', async () => {
    const again = run('scripts/user-create.ts', ['--email', 'ops@example.com', '--role', 'admin']);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already exists.*--reset/s);
    expect((await db.user.findUniqueOrThrow({ where: { email: 'ops@example.com' } })).role).toBe('operator');
    const reset = run('scripts/user-create.ts', ['--email', 'ops@example.com', '--role', 'admin', '--reset']);
    expect(reset.code).toBe(0);
    expect((await db.user.findUniqueOrThrow({ where: { email: 'ops@example.com' } })).role).toBe('admin');
  });

  it.each([
    ['no e-mail', ['--role', 'admin'], /--email/],
    ['no role', ['--email', 'x@example.com'], /--role/],
    ['a malformed e-mail', ['--email', 'not-an-email', '--role', 'admin'], /--email: must be an e-mail/],
    ['an unknown role', ['--email', 'x@example.com', '--role', 'root'], /--role: must be one of viewer, operator, admin/],
    ['a 10 kB e-mail', ['--email', `${'a'.repeat(10_000)}@example.com`, '--role', 'admin'], /--email/],
    ['SQL in the e-mail', ['--email', "x@example.com'; DROP TABLE users; --", '--role', 'admin'], /--email/],
    ['an unknown option', ['--email', 'x@example.com', '--role', 'admin', '--bogus'], /Unknown option '--bogus'/],
    ['a stray argument', ['--email', 'x@example.com', '--role', 'admin', 'extra'], /Unexpected argument/],
  ])('rejects %s with a usage error and writes nothing', async (_label, args, message) => {
    const before = await db.user.count();
    const r = run('scripts/user-create.ts', args);
    expect(r.code).toBe(64);
    expect(r.err).toMatch(message);
    expect(r.err).toContain('Usage: npm run user:create');
    expect(await db.user.count()).toBe(before);
  });

  it('names the variable when DATABASE_URL is wrong', () => {
    const r = run('scripts/user-create.ts', ['--email', 'y@example.com', '--role', 'viewer'], { DATABASE_URL: 'mysql://nope' });
    expect(r.code).toBe(78);
    expect(r.err).toContain('DATABASE_URL');
  });
});

describe('orders-cli', () => {
  it('places an order and shows it', async () => {
    const placed = run('scripts/orders-cli.ts', ['place', '--customer', 'c-1', '--amount', '1999', '--currency', 'EUR']);
    expect(placed.code).toBe(0);
    const orderId = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/.exec(placed.out)?.[0];
    expect(orderId).toBeDefined();
    const shown = run('scripts/orders-cli.ts', ['show', orderId!]);
    expect(shown.code).toBe(0);
    expect(shown.out).toContain('placed');
    expect(await db.outboxEvent.count({ where: { subject: orderId! } })).toBe(1);
  });

  it.each([
    ['no command', [], /name a command/],
    ['an unknown command', ['teleport'], /Usage|unknown command/i],
    ['a non-numeric amount', ['place', '--customer', 'c-1', '--amount', 'lots', '--currency', 'EUR'], /--amount must be a number/],
    ['a negative amount', ['place', '--customer', 'c-1', '--amount', '-5', '--currency', 'EUR'], /amount/i],
    ['a huge amount', ['place', '--customer', 'c-1', '--amount', '1e308', '--currency', 'EUR'], /amount/i],
    ['a 5 kB customer id', ['place', '--customer', 'x'.repeat(5000), '--amount', '100', '--currency', 'EUR'], /customer/i],
    ['SQL in the customer id', ['place', '--customer', "c-1'; DROP TABLE orders; --", '--amount', '100', '--currency', 'EUR'], /customer/i],
    ['a malformed currency', ['place', '--customer', 'c-1', '--amount', '100', '--currency', 'euro'], /currency/i],
    ['a path as order id', ['show', '../../etc/passwd'], /must be a UUID/],
    ['an out-of-range rate', ['knobs', 'set', '--rate', '100000'], /rate/i],
    ['a share above 1', ['knobs', 'set', '--poison', '2'], /poison|share/i],
    ['shell in a consumer name', ['knobs', 'set', '--slow-consumer', '$(rm -rf /)'], /slow/i],
  ])('rejects %s with a clear message and exit 64, writing nothing', async (_label, args, message) => {
    const before = await db.outboxEvent.count();
    const r = run('scripts/orders-cli.ts', args);
    expect(r.code).toBe(64);
    expect(r.err + r.out).toMatch(message);
    expect(await db.outboxEvent.count()).toBe(before);
  });
});
