// Bad input at the command-line boundary (issue #12, part 2): `npm run signalbox --`
// (scripts/signalbox.ts) and scripts/orders-cli.ts as real processes against a test
// database, with hand-written and generated (fast-check, fixed seed) junk: unknown
// flags, missing values, huge values, shell and SQL metacharacters, NUL bytes, paths.
// Each must exit non-zero with a clear message on stderr (a usage error is 64), print
// no stack trace, and change nothing in the database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import pg from 'pg';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { storeDeadLetter } from '@/lib/adapters/prisma/dlq-store';
import type { DeadLetter } from '@/lib/backbone/ports';
import { createTestDatabase, type TestDatabase } from '../support/database';

const SEED = 20261128;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let database: TestDatabase;
let db: Db;
let pool: pg.Pool;
let dlqId = '';
const tally = new Map<string, number>();

// A stack trace line ("    at fn (file.ts:1:2)"), or node's own crash output.
const STACK = /^\s+at .+(:\d+:\d+\)?|<anonymous>|native)$/m;
const CRASH = /node:internal|Unhandled|uncaught/i;

beforeAll(async () => {
  database = await createTestDatabase('boundary_cli');
  db = createDb(database.url, { poolSize: 2 });
  pool = new pg.Pool({ connectionString: database.url, max: 2 });
  await db.user.create({ data: { email: 'op@example.com', role: 'operator', passwordHash: 'x' } });
  const letter: DeadLetter = {
    consumer: 'shipping', topic: 'orders.lifecycle.v1', partition: 0, offset: '7', key: Buffer.from('k'), headers: [],
    payload: Buffer.from('{"oops'), eventId: null, eventType: null, eventVersion: null, subject: null, traceId: null,
    errorClass: 'AppError', errorCode: 'undecodable', errorMessage: 'Payload is not valid JSON', errorStack: null, fingerprint: 'f', attempts: [], failedAt: new Date(),
  };
  dlqId = await storeDeadLetter(db, letter);
});

afterAll(async () => {
  await pool?.end();
  await db?.$disconnect();
  await database?.drop();
});

function run(script: string, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: database.url, LOG_LEVEL: 'warn' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

/** Everything either CLI could change, as one comparable snapshot. */
async function snapshot(): Promise<unknown> {
  const { rows } = await pool.query(`SELECT
    (SELECT count(*) FROM outbox_events)::int AS outbox,
    (SELECT count(*) FROM orders)::int AS orders,
    (SELECT count(*) FROM idempotency_keys)::int AS idempotency,
    (SELECT count(*) FROM background_jobs)::int AS jobs,
    (SELECT count(*) FROM audit_log WHERE outcome = 'ok')::int AS audit_ok,
    (SELECT string_agg(status::text || payload_version, ',' ORDER BY id) FROM dlq_messages) AS dlq,
    (SELECT coalesce(max(settings::text), '') FROM demo_knobs) AS knobs,
    (SELECT count(*) FROM users)::int AS users,
    (SELECT count(*) FROM customer_stats_v1)::int AS stats`);
  return rows[0];
}

async function expectRefused(script: string, label: string, args: string[], message?: RegExp): Promise<void> {
  const before = await snapshot();
  const r = await run(script, args);
  const where = `${script} ${JSON.stringify(args).slice(0, 300)} → ${r.code}\n${r.err.slice(0, 2000)}`;
  expect(r.code, where).not.toBe(0);
  expect([1, 64, 78], where).toContain(r.code);
  expect(r.err.trim().length, where).toBeGreaterThan(0);
  expect(r.err, where).not.toMatch(STACK);
  expect(r.err, where).not.toMatch(CRASH);
  if (message) expect(r.err, where).toMatch(message);
  expect(await snapshot(), where).toEqual(before);
  const key = `${script === 'scripts/signalbox.ts' ? 'npm run signalbox' : 'orders-cli'}|${label}|exit ${r.code}`;
  tally.set(key, (tally.get(key) ?? 0) + 1);
}

const AS = ['--as', 'op@example.com'];
const metachars = ['$(rm -rf /)', '`id`', '; ls', '| cat /etc/passwd', "'; DROP TABLE dlq_messages; --", '<script>alert(1)</script>', '../../etc/passwd', '%00', '\u202e', '${HOME}'];

// Junk that can never form a valid invocation: an unknown flag, a flag with its value missing, or a value no validator accepts.
const junkValue = fc.oneof(fc.constantFrom(...metachars, 'x'.repeat(20_000), '', '-', '--'), fc.string({ maxLength: 30 }), fc.string({ unit: 'grapheme', maxLength: 10 }));
const unknownFlag = fc.stringMatching(/^[a-z][a-z-]{2,20}$/).map((s) => `--zz-${s}`);

describe('signalbox CLI boundary', () => {
  it.each([
    ['no arguments', [], /which command/],
    ['an unknown area', ['teleport'], /unknown area/],
    ['no command', ['dlq'], /which command/],
    ['an unknown command', ['dlq', 'frobnicate'], /unknown command/],
    ['an unknown flag', ['dlq', 'list', '--bogus'], /Unknown option '--bogus'/],
    ['a flag without its value', ['dlq', 'list', '--consumer'], /--consumer/],
    ['a boolean flag given a value', ['dlq', 'replay', '--dry-run=yes', '--id', 'x', ...AS], /dry-run/],
    ['show without an id', ['dlq', 'show'], /show <dlq id>/],
    ['show with a path as id', ['dlq', 'show', '../../etc/passwd'], /./],
    ['show with a 100 kB id', ['dlq', 'show', 'x'.repeat(100_000)], /./],
    ['list with an unknown status', ['dlq', 'list', '--status', '$(rm -rf /)'], /status/i],
    ['replay without --as', ['dlq', 'replay', '--id', 'x'], /--as/],
    ['replay as an unknown user', ['dlq', 'replay', '--id', 'x', '--as', "x'; DROP TABLE users; --"], /no active console user/],
    ['replay with two selections', ['dlq', 'replay', '--id', 'x', '--trace', 'y', ...AS], /exactly one/],
    ['replay with SQL as id', ['dlq', 'replay', '--id', "'; DROP TABLE dlq_messages; --", ...AS], /invalid replay request/],
    ['replay with an infinite rate', ['dlq', 'replay', '--group', 'x', '--rate', '1e999', ...AS], /--rate/],
    ['replay with a fractional rate', ['dlq', 'replay', '--group', 'x', '--rate', '2.5', ...AS], /--rate/],
    ['discard with a 100 kB reason', ['dlq', 'discard', 'ID', '--reason', 'r'.repeat(100_000), ...AS], /reason|invalid discard/],
    ['discard with no reason', ['dlq', 'discard', 'ID', ...AS], /reason|invalid discard/],
    ['discard with shell in the id', ['dlq', 'discard', '$(rm -rf /)', '--reason', 'because', ...AS], /invalid discard/],
  ])('refuses %s', async (label, args, message) => {
    await expectRefused('scripts/signalbox.ts', `hand-written: ${label}`, args.map((a) => (a === 'ID' ? dlqId : a)), message);
  });

  it('refuses generated junk: unknown flags, missing values, huge values, metacharacters', async () => {
    const cases = fc.sample(
      fc.oneof(
        fc.tuple(fc.constantFrom('list', 'show', 'replay', 'discard'), unknownFlag, junkValue).map(([c, f, v]) => ['dlq', c, f, v]),
        fc.tuple(fc.constantFrom('--consumer', '--status', '--trace', '--group', '--reason', '--as', '--rate')).map(([f]) => ['dlq', 'list', f]),
        junkValue.map((v) => ['dlq', 'replay', '--id', v, ...AS]),
        junkValue.map((v) => ['dlq', 'discard', v, '--reason', 'generated junk', ...AS]),
        junkValue.filter((v) => !/^\d+$/.test(v)).map((v) => ['dlq', 'replay', '--group', 'g', '--rate', v, ...AS]),
        fc.array(junkValue, { minLength: 1, maxLength: 4 }).map((vs) => ['dlq', ...vs.map((v) => `x${v}`)]),
      ),
      { seed: SEED, numRuns: 10 },
    );
    for (const args of cases) await expectRefused('scripts/signalbox.ts', 'generated junk', args);
  }, 600_000);
});

describe('orders-cli boundary', () => {
  const ORDERS = 'scripts/orders-cli.ts';
  it.each([
    ['an unknown flag', ['place', '--customer', 'c', '--amount', '1', '--currency', 'EUR', '--evil'], /Unknown option '--evil'/],
    ['a flag without its value', ['place', '--customer'], /--customer/],
    ['a flag of another command', ['show', '00000000-0000-4000-8000-000000000000', '--amount', '5'], /does not take --amount/],
    ['a NaN amount', ['place', '--customer', 'c', '--amount', 'NaN', '--currency', 'EUR'], /--amount must be a number/],
    ['an amount with 400 digits', ['place', '--customer', 'c', '--amount', '9'.repeat(400), '--currency', 'EUR'], /amount/i],
    ['a hex amount', ['place', '--customer', 'c', '--amount', '0x10', '--currency', 'EUR'], /--amount must be a number/],
    ['shell in the currency', ['place', '--customer', 'c', '--amount', '10', '--currency', '$(id)'], /currency/i],
    ['a 100 kB idempotency key', ['place', '--customer', 'c', '--amount', '10', '--currency', 'EUR', '--idempotency-key', 'k'.repeat(100_000)], /idempotency|key/i],
    ['a 100 kB cancel reason', ['cancel', '00000000-0000-4000-8000-000000000000', '--reason', 'r'.repeat(100_000)], /reason|No order|not_found/i],
    ['an unknown carrier', ['dispatch', '00000000-0000-4000-8000-000000000000', '--carrier', '`id`'], /carrier|No order|not_found/i],
    ['an unknown projection', ['corrupt-projection', '../../etc/passwd'], /./],
    ['a huge row count', ['corrupt-projection', 'customer-stats', '--rows', '1e9'], /rows/i],
    ['knobs set with nothing', ['knobs', 'set'], /at least one knob/],
    ['a negative slow-ms', ['knobs', 'set', '--slow-ms', '-1'], /slow/i],
    ['a control character in a consumer name', ['knobs', 'set', '--slow-consumer', 'a\u0001b'], /slow|consumer/i],
  ])('refuses %s', async (label, args, message) => {
    await expectRefused(ORDERS, `hand-written: ${label}`, args, message);
  });

  it('refuses generated junk: unknown flags, missing values, huge values, metacharacters', async () => {
    const cases = fc.sample(
      fc.oneof(
        fc.tuple(fc.constantFrom('place', 'authorize', 'dispatch', 'deliver', 'cancel', 'show', 'knobs'), unknownFlag, junkValue).map(([c, f, v]) => [c, f, v]),
        junkValue.filter((v) => !/^-?\d+(\.\d+)?$/.test(v.trim())).map((v) => ['place', '--customer', 'c-1', '--amount', v, '--currency', 'EUR']),
        junkValue.map((v) => ['show', `${v}-not-a-uuid`]),
        junkValue.filter((v) => !/^-?\d+(\.\d+)?$/.test(v.trim())).map((v) => ['knobs', 'set', '--rate', v]),
        fc.array(junkValue, { minLength: 1, maxLength: 4 }).map((vs) => vs.map((v) => `zz${v}`)),
      ),
      { seed: SEED + 1, numRuns: 10 },
    );
    for (const args of cases) await expectRefused(ORDERS, 'generated junk', args);
  }, 600_000);

  it('writes its tally for the bad-input report', () => {
    const rows = [...tally].map(([key, n]) => {
      const [boundary, label, outcome] = key.split('|');
      return { boundary: `CLI: ${boundary}`, inputClass: label!.startsWith('generated') ? 'generated junk arguments' : label!.replace('hand-written: ', ''), outcome: `refused, ${outcome}, clear message, no stack, DB unchanged`, count: n };
    });
    expect(rows.length).toBeGreaterThan(0);
    mkdirSync('.data/bad-input', { recursive: true });
    writeFileSync('.data/bad-input/cli.json', JSON.stringify(rows, null, 2));
  });
});
