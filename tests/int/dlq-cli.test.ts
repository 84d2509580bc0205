// The on-call CLI (scripts/signalbox.ts) as a real process against a test database:
// list, show, replay (dry run and start) and discard, on the same use cases as the
// console, with --as naming an existing user whose role is checked and audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { storeDeadLetter } from '@/lib/adapters/prisma/dlq-store';
import type { DeadLetter } from '@/lib/backbone/ports';
import { createTestDatabase, type TestDatabase } from '../support/database';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let database: TestDatabase;
let db: Db;
const ids: string[] = [];
let cause = '';

function run(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/signalbox.ts', ...args], {
    cwd: root, env: { ...process.env, DATABASE_URL: database.url, LOG_LEVEL: 'warn' }, encoding: 'utf8', timeout: 90_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function letter(offset: number): DeadLetter {
  return {
    consumer: 'shipping', topic: 'orders.lifecycle.v1', partition: 1, offset: String(offset), key: Buffer.from('o-1'), headers: [],
    payload: Buffer.from(JSON.stringify({ id: 'x', data: { '=cmd': 1 } })), eventId: null, eventType: 'orders.OrderPaid', eventVersion: 1,
    subject: 'o-1', traceId: 'ab'.repeat(16), errorClass: 'AppError', errorCode: 'permanent', errorMessage: `carrier down for order ${offset}`,
    errorStack: null, fingerprint: 'f', attempts: [], failedAt: new Date(),
  };
}

beforeAll(async () => {
  database = await createTestDatabase('dlq_cli');
  db = createDb(database.url, { poolSize: 2 });
  for (const [email, role] of [['op@example.com', 'operator'], ['viewer@example.com', 'viewer']] as const) {
    await db.user.create({ data: { email, role, passwordHash: 'x' } });
  }
  for (const o of [1, 2, 3]) ids.push(await storeDeadLetter(db, letter(o)));
  cause = (await db.dlqMessage.findUniqueOrThrow({ where: { id: ids[0] } })).causeKey!;
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

describe('npm run signalbox -- dlq', () => {
  it('lists failure groups and shows a message', () => {
    const list = run(['dlq', 'list', '--consumer', 'shipping']);
    expect(list.code, list.err).toBe(0);
    expect(list.out).toContain(`${cause}  open 3/3  shipping:3`);
    const show = run(['dlq', 'show', ids[0]!]);
    expect(show.code, show.err).toBe(0);
    expect(JSON.parse(show.out)).toMatchObject({ id: ids[0], consumer: 'shipping', payload: { kind: 'json' } });
  });

  it('previews and starts a replay of a group as the named operator; a viewer is refused and audited', async () => {
    const dry = run(['dlq', 'replay', '--group', cause, '--dry-run', '--as', 'op@example.com']);
    expect(dry.code, dry.err).toBe(0);
    expect(JSON.parse(dry.out)).toMatchObject({ preview: { count: 3, gate: 'none' }, jobs: [] });
    expect(await db.backgroundJob.count()).toBe(0);

    const denied = run(['dlq', 'replay', '--trace', 'ab'.repeat(16), '--as', 'viewer@example.com']);
    expect(denied.code).toBe(1);
    expect(denied.err).toMatch(/forbidden/);

    const started = run(['dlq', 'replay', '--group', cause, '--as', 'op@example.com']);
    expect(started.code, started.err).toBe(0);
    const job = await db.backgroundJob.findFirstOrThrow({ where: { kind: 'dlq.replay' } });
    expect(job.scope).toBe('replay:consumer:shipping');
    expect(await db.auditEntry.count({ where: { actorEmail: 'op@example.com', action: 'dlq.replay', target: job.id } })).toBe(1);
    expect(await db.auditEntry.count({ where: { actorEmail: 'viewer@example.com', outcome: 'denied' } })).toBe(1);
  });

  it('discards with a reason; without --as or a reason it is a usage error or refused', async () => {
    expect(run(['dlq', 'discard', ids[2]!, '--reason', 'test']).code).toBe(64);
    expect(run(['dlq', 'discard', ids[2]!, '--as', 'op@example.com']).code).toBe(1);
    const ok = run(['dlq', 'discard', ids[2]!, '--reason', 'duplicate order, refunded by hand', '--as', 'op@example.com']);
    expect(ok.code, ok.err).toBe(0);
    expect((await db.dlqMessage.findUniqueOrThrow({ where: { id: ids[2] } })).status).toBe('discarded');
    const audit = await db.auditEntry.findFirstOrThrow({ where: { action: 'dlq.discard', target: ids[2] } });
    expect(audit).toMatchObject({ actorEmail: 'op@example.com', outcome: 'ok' });
    expect((audit.details as { reason: string }).reason).toBe('duplicate order, refunded by hand');
  });
});
