// DLQ reads and the non-replay actions on real PostgreSQL: failure groups with
// filters and keyset pages, a cause's breakdown and trend, a message's safe views,
// CSV neutralisation, edit-as-new-version with schema validation, approval by a
// second person, notes, and the per-user throttle.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { storeDeadLetter } from '@/lib/adapters/prisma/dlq-store';
import { approveDlqReplay } from '@/lib/app/approve-dlq-replay';
import { discardDlqMessages } from '@/lib/app/discard-dlq-messages';
import { editDlqMessage } from '@/lib/app/edit-dlq-message';
import { noteDlqCause } from '@/lib/app/note-dlq-cause';
import type { DeadLetter } from '@/lib/backbone/ports';
import { createOrderEventRegistry } from '@/lib/demo/orders/events';
import type { EventRegistry } from '@/lib/domain/events/registry';
import type { SessionUser } from '@/lib/domain/session-user';
import { exportDlqCsv } from '@/lib/read/export-dlq-csv';
import { getDlqCause } from '@/lib/read/get-dlq-cause';
import { getDlqMessage } from '@/lib/read/get-dlq-message';
import { listDlqCauses } from '@/lib/read/list-dlq-causes';
import { createTestDatabase, type TestDatabase } from '../support/database';

let database: TestDatabase;
let db: Db;
const now = new Date('2026-11-28T12:00:00Z');
const op: SessionUser = { id: randomUUID(), email: 'op@example.com', name: null, role: 'operator' };
const admin: SessionUser = { id: randomUUID(), email: 'admin@example.com', name: null, role: 'admin' };
const trace = 'cd'.repeat(16);

function envelope(data: Record<string, unknown>) {
  return { specversion: '1.0', id: uuidv7(), type: 'orders.OrderPlaced', version: 2, time: now.toISOString(), source: '/t', subject: 'o-9', datacontenttype: 'application/json', trace_id: trace, traceparent: `00-${trace}-${'ef'.repeat(8)}-01`, data };
}

let n = 0;
function letter(over: Partial<DeadLetter>): DeadLetter {
  n++;
  return {
    consumer: 'shipping', topic: 'orders.lifecycle.v1', partition: 0, offset: String(n), key: Buffer.from(`k${n}`), headers: [{ key: 'traceparent', valueBase64: Buffer.from('00-x').toString('base64') }],
    payload: Buffer.from('{}'), eventId: null, eventType: 'orders.OrderPlaced', eventVersion: 2, subject: `o-${n}`, traceId: null,
    errorClass: 'AppError', errorCode: 'permanent', errorMessage: `carrier down for ${n}`, errorStack: null, fingerprint: 'f', attempts: [],
    failedAt: new Date(now.getTime() - (100 - n) * 60_000), ...over,
  };
}

const ids: Record<string, string> = {};
beforeAll(async () => {
  database = await createTestDatabase('dlq_reads');
  db = createDb(database.url, { poolSize: 4 });
  for (let i = 0; i < 4; i++) await storeDeadLetter(db, letter({}));
  await storeDeadLetter(db, letter({ consumer: 'payments' }));
  ids.binary = await storeDeadLetter(db, letter({ errorClass: 'TypeError', errorMessage: 'x is undefined', payload: Buffer.from([0, 1, 2, 255]), eventType: null }));
  ids.html = await storeDeadLetter(db, letter({ errorClass: 'RangeError', errorMessage: '=HYPERLINK("http://evil")', payload: Buffer.from('<script>alert(1)</script>'), traceId: trace, subject: 'o-special' }));
  const bad = envelope({ orderId: randomUUID(), customerId: 'c', amountCents: 5, currency: 'EUR', channel: 'api' });
  ids.edit = await storeDeadLetter(db, letter({ errorClass: 'EditMe', errorMessage: 'fix me', payload: Buffer.from(JSON.stringify(bad)) }));
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

describe('dlq reads', () => {
  it('lists causes newest first, pages by keyset without gaps or repeats, and filters', async () => {
    const all = await listDlqCauses(db, {}, now);
    expect(all.causes.map((c) => c.errorClass)).toEqual(['EditMe', 'RangeError', 'TypeError', 'AppError']);
    const carrier = all.causes.find((c) => c.errorClass === 'AppError')!;
    expect(carrier).toMatchObject({ openCount: 5, totalCount: 5, consumers: [{ consumer: 'shipping', open: 4, total: 4 }, { consumer: 'payments', open: 1, total: 1 }] });
    expect(carrier.trend).toHaveLength(24);
    expect(carrier.trend.reduce((a, b) => a + b, 0)).toBe(5);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listDlqCauses(db, { limit: 1, cursor }, now);
      seen.push(...page.causes.map((c) => c.cause));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(all.causes.map((c) => c.cause));

    expect((await listDlqCauses(db, { consumer: 'payments' }, now)).causes.map((c) => c.errorClass)).toEqual(['AppError']);
    expect((await listDlqCauses(db, { q: 'undefined' }, now)).causes.map((c) => c.errorClass)).toEqual(['TypeError']);
    expect((await listDlqCauses(db, { traceId: trace }, now)).causes.map((c) => c.errorClass)).toEqual(['RangeError']);
    expect((await listDlqCauses(db, { subject: 'o-special' }, now)).causes.map((c) => c.errorClass)).toEqual(['RangeError']);
    expect((await listDlqCauses(db, { from: new Date(now.getTime() - 94 * 60_000) }, now)).causes.map((c) => c.errorClass)).toEqual(['EditMe', 'RangeError', 'TypeError']);
  });

  it('shows a cause with its trend and messages, and a message as text, JSON or hex — never markup', async () => {
    const carrier = (await listDlqCauses(db, { consumer: 'payments' }, now)).causes[0]!;
    const view = await getDlqCause(db, carrier.cause, { limit: 3 }, now);
    expect(view.trendWeek).toHaveLength(168);
    expect(view.messages).toHaveLength(3);
    expect(view.nextCursor).not.toBeNull();
    const rest = await getDlqCause(db, carrier.cause, { limit: 3, cursor: view.nextCursor! }, now);
    expect(new Set([...view.messages, ...rest.messages].map((m) => m.id)).size).toBe(5);
    expect(view.activeReplays).toEqual([]);
    const job = await db.backgroundJob.create({ data: { kind: 'dlq.replay', scope: 'replay:consumer:payments', params: { consumer: 'payments', selection: { by: 'cause', cause: carrier.cause } }, createdBy: op.id } });
    expect((await getDlqCause(db, carrier.cause, {}, now)).activeReplays).toEqual([{ consumer: 'payments', jobId: job.id }]);
    await db.backgroundJob.update({ where: { id: job.id }, data: { state: 'cancelled' } });
    expect((await getDlqCause(db, carrier.cause, {}, now)).activeReplays).toEqual([]);

    const binary = await getDlqMessage(db, ids.binary!);
    expect(binary.payload).toMatchObject({ kind: 'hex', text: '00000000  00 01 02 ff', bytes: 4 });
    expect(binary.headers).toEqual([{ key: 'traceparent', text: '00-x', hex: false }]);
    const html = await getDlqMessage(db, ids.html!);
    expect(html.payload).toMatchObject({ kind: 'text', text: '<script>alert(1)</script>' });
    expect(html.traceHref).toBe(`/traces?id=${trace}`);
    expect((await getDlqMessage(db, ids.edit!)).payload.kind).toBe('json');
  });

  it('exports CSV with formulas neutralised', async () => {
    const csv = await exportDlqCsv(db, { traceId: trace });
    const lines = csv.trim().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`"'=HYPERLINK(""http://evil"")"`);
  });
});

describe('dlq actions', () => {
  const deps = () => ({ db, registry: createOrderEventRegistry() as unknown as EventRegistry, actionsPerMinute: 100, now: () => new Date() });

  it('stores an edit that passes the schema as a new version and keeps the original', async () => {
    await expect(editDlqMessage(deps(), op, { id: ids.edit!, data: { amountCents: 'lots' }, reason: 'try' })).rejects.toMatchObject({ code: 'bad_request' });
    const before = await db.dlqMessage.findUniqueOrThrow({ where: { id: ids.edit! } });
    const data = { orderId: randomUUID(), customerId: 'c-fixed', amountCents: 500, currency: 'EUR', channel: 'api' };
    expect(await editDlqMessage(deps(), op, { id: ids.edit!, data, reason: 'customer id typo' })).toEqual({ id: ids.edit, version: 1 });
    const after = await db.dlqMessage.findUniqueOrThrow({ where: { id: ids.edit! } });
    expect(after.payloadVersion).toBe(1);
    expect(Buffer.from(after.payload).equals(Buffer.from(before.payload))).toBe(true);
    const version = await db.dlqPayloadVersion.findUniqueOrThrow({ where: { dlqId_version: { dlqId: ids.edit!, version: 1 } } });
    expect((JSON.parse(Buffer.from(version.payload).toString()) as { data: unknown; id: string })).toMatchObject({ data, id: JSON.parse(Buffer.from(before.payload).toString()).id });
    expect(await db.auditEntry.count({ where: { action: 'dlq.edit', target: ids.edit!, actorEmail: op.email } })).toBe(1);
  });

  it('needs a second person to approve a large replay; notes a cause; throttles destructive actions per user', async () => {
    const job = await db.backgroundJob.create({ data: { kind: 'dlq.replay', scope: 'replay:consumer:x', params: { needsApproval: true, requestedBy: admin.email }, createdBy: admin.id } });
    await expect(approveDlqReplay(db, op, job.id)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(approveDlqReplay(db, admin, job.id)).rejects.toMatchObject({ code: 'forbidden' });
    const other: SessionUser = { ...admin, id: randomUUID(), email: 'admin2@example.com' };
    expect(await approveDlqReplay(db, other, job.id)).toMatchObject({ approvedBy: other.email, created: true });
    expect(await approveDlqReplay(db, other, job.id)).toMatchObject({ created: false });

    const cause = (await listDlqCauses(db, { q: 'undefined' }, now)).causes[0]!.cause;
    await noteDlqCause({ db, now: () => now }, op, { cause, note: 'known: legacy checkout sends no amount' });
    expect((await listDlqCauses(db, { q: 'legacy checkout' }, now)).causes.map((c) => c.cause)).toEqual([cause]);

    const user: SessionUser = { ...op, id: randomUUID(), email: 'busy@example.com' };
    const open = await db.dlqMessage.findMany({ where: { consumer: 'shipping', errorClass: 'AppError' }, take: 3 });
    const throttled = { db, actionsPerMinute: 2, now: () => new Date() };
    await discardDlqMessages(throttled, user, { ids: [open[0]!.id], reason: 'one' });
    await discardDlqMessages(throttled, user, { ids: [open[1]!.id], reason: 'two' });
    await expect(discardDlqMessages(throttled, user, { ids: [open[2]!.id], reason: 'three' })).rejects.toMatchObject({ code: 'rate_limited' });
    expect((await db.dlqMessage.findUniqueOrThrow({ where: { id: open[2]!.id } })).status).toBe('open');
    const carrier = (await listDlqCauses(db, { consumer: 'payments' }, now)).causes[0]!;
    expect(carrier.openCount).toBe(3);
  });
});
