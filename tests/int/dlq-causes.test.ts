// DLQ causes on real PostgreSQL: the SQL cause key (backfill, fallback) equals the
// domain's, and the triggers keep dlq_causes / dlq_cause_consumers / dlq_cause_hours
// counts in step with inserts and status changes, across consumers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { storeDeadLetter } from '@/lib/adapters/prisma/dlq-store';
import type { DeadLetter } from '@/lib/backbone/ports';
import { causeOf } from '@/lib/domain/dlq/cause';
import { createTestDatabase, type TestDatabase } from '../support/database';

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase('dlq_causes');
  db = createDb(database.url, { poolSize: 4 });
});
afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

const samples = [
  { errorClass: 'AppError', message: 'order 1234 at orders.v1/3@99881 (id 0b6f2c1e-93a4-4a8e-9a43-6B9A1F0C2D11) failed', stack: 'Error: x\n    at applyShipping (/srv/a/ship.js:10:17)\n    at n (/x.js:1:1)' },
  { errorClass: 'TypeError', message: "Cannot read 'x' of   undefined\n next line", stack: 'TypeError: y\n\tat Object.<anonymous> (file:///app/lib/p.ts:3:9)' },
  { errorClass: 'AppError', message: 'hash deadbeefdeadbeef00 and 3.14 "quoted 12" done ', stack: null },
  { errorClass: 'X', message: '', stack: 'no frames here' },
];

function letter(consumer: string, offset: number, over: Partial<DeadLetter> = {}): DeadLetter {
  const at = new Date('2026-11-28T10:00:00Z');
  return {
    consumer, topic: 'orders.lifecycle.v1', partition: 0, offset: String(offset), key: Buffer.from('o-1'), headers: [], payload: Buffer.from('{}'),
    eventId: null, eventType: 'orders.OrderPlaced', eventVersion: 1, subject: 'o-1', traceId: null,
    errorClass: 'AppError', errorCode: 'permanent', errorMessage: `injected failure for order ${offset}`, errorStack: null,
    fingerprint: 'f', attempts: [], failedAt: at, ...over,
  };
}

describe('dlq causes', () => {
  it('computes the same cause key in SQL as in lib/domain/dlq/cause.ts', async () => {
    for (const s of samples) {
      const rows = await db.$queryRawUnsafe<{ key: string; msg: string; frame: string }[]>(
        'SELECT signalbox_dlq_cause_key($1, $2, $3) AS key, signalbox_dlq_normalise($2) AS msg, signalbox_dlq_frame($3) AS frame', s.errorClass, s.message, s.stack);
      const c = causeOf(s);
      expect({ msg: rows[0]!.msg, frame: rows[0]!.frame }).toEqual({ msg: c.message, frame: c.frame });
      expect(rows[0]!.key).toBe(c.key);
    }
  });

  it('counts one poison message in several consumers as one cause, and follows status changes', async () => {
    const ids: string[] = [];
    for (const consumer of ['payments', 'shipping', 'notifications']) ids.push(await storeDeadLetter(db, letter(consumer, 7)));
    ids.push(await storeDeadLetter(db, letter('shipping', 8, { eventType: 'orders.OrderPaid', failedAt: new Date('2026-11-28T11:30:00Z') })));
    const key = causeOf({ errorClass: 'AppError', message: 'injected failure for order 7' }).key;
    const cause = await db.dlqCause.findUniqueOrThrow({ where: { causeKey: key } });
    expect(cause).toMatchObject({ openCount: 4, totalCount: 4, message: 'injected failure for order <n>' });
    expect(cause.eventTypes.sort()).toEqual(['orders.OrderPaid', 'orders.OrderPlaced']);
    expect(cause.lastSeenAt.toISOString()).toBe('2026-11-28T11:30:00.000Z');
    const perConsumer = await db.dlqCauseConsumer.findMany({ where: { causeKey: key }, orderBy: { consumer: 'asc' } });
    expect(perConsumer.map((c) => [c.consumer, c.openCount, c.totalCount])).toEqual([['notifications', 1, 1], ['payments', 1, 1], ['shipping', 2, 2]]);
    const hours = await db.dlqCauseHour.findMany({ where: { causeKey: key }, orderBy: { hour: 'asc' } });
    expect(hours.map((h) => h.failures)).toEqual([3, 1]);

    await db.dlqMessage.update({ where: { id: ids[1] }, data: { status: 'replaying' } });
    await db.dlqMessage.update({ where: { id: ids[0] }, data: { status: 'resolved' } });
    await db.dlqMessage.update({ where: { id: ids[2] }, data: { status: 'discarded' } });
    const after = await db.dlqCause.findUniqueOrThrow({ where: { causeKey: key } });
    expect([after.openCount, after.totalCount]).toEqual([2, 4]);
    const shipping = await db.dlqCauseConsumer.findUniqueOrThrow({ where: { causeKey_consumer: { causeKey: key, consumer: 'shipping' } } });
    expect(shipping.openCount).toBe(2);
    // The same row dead-lettered again (a replay failed): no new row, open again, one more failure in the trend.
    await storeDeadLetter(db, letter('payments', 7, { failedAt: new Date('2026-11-28T12:10:00Z') }));
    const again = await db.dlqCause.findUniqueOrThrow({ where: { causeKey: key } });
    expect([again.openCount, again.totalCount]).toEqual([3, 4]);
    expect(await db.dlqCauseHour.count({ where: { causeKey: key } })).toBe(3);
  });
});
