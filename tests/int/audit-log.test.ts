// The audit log on the real PostgreSQL: append-only in the database (the trigger
// refuses UPDATE, DELETE and TRUNCATE, whoever asks), and every audited change
// writes its entry in the same transaction as the change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { updateDemoKnobs } from '@/lib/app/update-demo-knobs';
import { createUser } from '@/lib/app/create-user';
import { DEFAULT_KNOBS, readKnobs } from '@/lib/demo/knobs';
import type { SessionUser } from '@/lib/domain/session-user';
import { createTestDatabase, type TestDatabase } from '../support/database';

let database: TestDatabase;
let db: Db;
let sql: pg.Client;
let operator: SessionUser;

beforeAll(async () => {
  database = await createTestDatabase('audit_log');
  db = createDb(database.url, { poolSize: 4 });
  sql = new pg.Client({ connectionString: database.url });
  await sql.connect();
  const created = await createUser(db, { email: 'ops@example.com', role: 'operator' });
  operator = { id: created.id, email: created.email, name: null, role: 'operator' };
});

afterAll(async () => {
  await sql?.end();
  await db?.$disconnect();
  await database?.drop();
});

const entries = async (action: string) =>
  (await sql.query<{ outcome: string; actor_email: string; target: string | null }>('SELECT outcome, actor_email, target FROM audit_log WHERE action = $1 ORDER BY id', [action])).rows;

describe('audit_log is append-only', () => {
  it('refuses UPDATE, DELETE and TRUNCATE, and keeps the rows', async () => {
    const before = (await sql.query('SELECT count(*)::int AS n FROM audit_log')).rows[0].n as number;
    expect(before).toBeGreaterThan(0); // createUser in beforeAll wrote one
    await expect(sql.query(`UPDATE audit_log SET outcome = 'ok', actor_email = 'someone-else'`)).rejects.toThrow(/append-only: UPDATE/);
    await expect(sql.query('DELETE FROM audit_log')).rejects.toThrow(/append-only: DELETE/);
    await expect(sql.query('TRUNCATE audit_log')).rejects.toThrow(/append-only: TRUNCATE/);
    expect((await sql.query('SELECT count(*)::int AS n FROM audit_log')).rows[0].n).toBe(before);
  });

  it('still accepts new entries', async () => {
    await sql.query(`INSERT INTO audit_log (actor_email, actor_role, action, outcome) VALUES ('t@example.com', 'admin', 'test.insert', 'ok')`);
    expect(await entries('test.insert')).toHaveLength(1);
  });
});

describe('an audited change and its entry commit together', () => {
  it('a committed knob change writes exactly one ok entry', async () => {
    const knobs = await updateDemoKnobs(db, operator, { ratePerSecond: 7 });
    expect(knobs.ratePerSecond).toBe(7);
    expect(await entries('demo.knobs.update')).toEqual([{ outcome: 'ok', actor_email: 'ops@example.com', target: 'demo_knobs' }]);
  });

  it('a refused change writes no ok entry (only the failed attempt) and changes nothing', async () => {
    const before = await readKnobs(db);
    await expect(updateDemoKnobs(db, operator, { transientFailureShare: 0.9, permanentFailureShare: 0.9 })).rejects.toThrow(/Invalid knobs/);
    expect(await readKnobs(db)).toEqual(before);
    expect((await entries('demo.knobs.update')).map((e) => e.outcome)).toEqual(['ok', 'failed']);
  });

  it('when the audit entry cannot be written, the change is rolled back too', async () => {
    const before = await readKnobs(db);
    expect(before.ratePerSecond).not.toBe(DEFAULT_KNOBS.ratePerSecond + 100);
    // actor_id is a uuid column: this actor's entry fails to insert, after the knobs were written in the transaction.
    const broken: SessionUser = { ...operator, id: 'not-a-uuid' };
    await expect(updateDemoKnobs(db, broken, { ratePerSecond: 150 })).rejects.toThrow();
    expect(await readKnobs(db)).toEqual(before);
    expect((await entries('demo.knobs.update')).map((e) => e.outcome)).toEqual(['ok', 'failed']);
  });

  it('creating a user writes one entry with it; a refused duplicate writes none', async () => {
    await createUser(db, { email: 'new@example.com', role: 'viewer' }, { actor: { id: operator.id, email: operator.email, role: 'admin' } });
    expect(await entries('user.create')).toContainEqual({ outcome: 'ok', actor_email: 'ops@example.com', target: 'new@example.com' });
    const count = (await entries('user.create')).length;
    await expect(createUser(db, { email: 'new@example.com', role: 'admin' })).rejects.toThrow(/already exists/);
    expect(await entries('user.create')).toHaveLength(count);
    await createUser(db, { email: 'new@example.com', role: 'admin' }, { ifExists: 'reset' });
    expect(await entries('user.reset')).toEqual([{ outcome: 'ok', actor_email: 'cli:user:create', target: 'new@example.com' }]);
  });
});
