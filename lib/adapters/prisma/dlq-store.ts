// Dead-letter store (the backbone's DeadLetterStore port): one row per
// (consumer, topic, partition, offset), so a crash between dead-lettering and
// committing the offset cannot make a second row.
import type { DeadLetter, DeadLetterStore } from '../../backbone/ports';
import { afterHeadResolved, type SubjectHead } from '../../domain/dlq/sequencing';
import { causeOf } from '../../domain/dlq/cause';
import type { Db, Prisma } from './client';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function storeDeadLetter(db: Db | Prisma.TransactionClient, letter: DeadLetter): Promise<string> {
  const eventId = letter.eventId && UUID.test(letter.eventId) ? letter.eventId.toLowerCase() : null;
  const traceId = letter.traceId && /^[0-9a-f]{32}$/.test(letter.traceId) ? letter.traceId : null;
  const common = {
    errorClass: letter.errorClass.slice(0, 200),
    errorCode: letter.errorCode.slice(0, 64),
    errorMessage: letter.errorMessage.slice(0, 4000),
    errorStack: letter.errorStack?.slice(0, 8000) ?? null,
    fingerprint: letter.fingerprint,
    causeKey: causeOf({ errorClass: letter.errorClass, message: letter.errorMessage, stack: letter.errorStack }).key,
    attempts: letter.attempts as unknown as Prisma.InputJsonValue,
    attemptCount: letter.attempts.length,
    lastFailedAt: letter.failedAt,
  };
  if (letter.replayOf) {
    const id = await failedAgain(db, letter, common);
    if (id) return id;
  }
  const row = await db.dlqMessage.upsert({
    where: {
      consumer_topic_partition_offset: {
        consumer: letter.consumer,
        topic: letter.topic,
        partition: letter.partition,
        offset: BigInt(letter.offset),
      },
    },
    create: {
      consumer: letter.consumer,
      topic: letter.topic,
      partition: letter.partition,
      offset: BigInt(letter.offset),
      key: letter.key ? new Uint8Array(letter.key) : null,
      headers: letter.headers as unknown as Prisma.InputJsonValue,
      payload: new Uint8Array(letter.payload),
      payloadSize: letter.payload.byteLength,
      eventId,
      // Whatever a hostile message carried must not make its own dead letter unstorable (NUL, out-of-range ints).
      eventType: letter.eventType?.replace(/\u0000/g, '\ufffd').slice(0, 200) ?? null,
      eventVersion: letter.eventVersion !== null && Number.isInteger(letter.eventVersion) && Math.abs(letter.eventVersion) <= 2_147_483_647 ? letter.eventVersion : null,
      subject: letter.subject?.replace(/\u0000/g, '\ufffd').slice(0, 200) ?? null,
      traceId,
      firstFailedAt: letter.failedAt,
      ...common,
    },
    update: { ...common, status: 'open', statusChangedAt: letter.failedAt },
    select: { id: true },
  });
  return row.id;
}

/**
 * A replay of row `letter.replayOf` failed again: that row's attempt history grows
 * (numbered on from its last attempt) and it is open again; no new row. Null when
 * the row is not this consumer's (then the letter is stored as a row of its own).
 * It was applied, so nothing of its subject came before it: it is the subject's head,
 * behind nothing (a follower that failed after its head was applied must not keep
 * pointing at that resolved head, or no replay would ever select it).
 */
async function failedAgain(db: Db | Prisma.TransactionClient, letter: DeadLetter, common: { errorClass: string; errorCode: string; errorMessage: string; errorStack: string | null; causeKey: string }): Promise<string | null> {
  const rows = await db.$queryRawUnsafe<{ attempt_count: number }[]>(
    'SELECT attempt_count FROM dlq_messages WHERE id = $1::uuid AND consumer = $2 FOR UPDATE', letter.replayOf, letter.consumer);
  if (rows.length === 0) return null;
  const next = letter.attempts.map((a, i) => ({ ...a, attempt: rows[0]!.attempt_count + i + 1 }));
  await db.$executeRawUnsafe(
    `UPDATE dlq_messages SET attempts = attempts || $2::jsonb, attempt_count = attempt_count + $3, error_class = $4, error_code = $5,
            error_message = $6, error_stack = $7, cause_key = $8, last_failed_at = $9, status = 'open', status_changed_at = $9,
            parked_behind = NULL
      WHERE id = $1::uuid`,
    letter.replayOf, JSON.stringify(next), next.length, common.errorClass, common.errorCode, common.errorMessage, common.errorStack, common.causeKey, letter.failedAt);
  return letter.replayOf!;
}

/**
 * The consumer applied a replay of this row (or had already): resolved, in the applying
 * transaction. Sequenced dead-lettering: events parked behind it after its replay was
 * sent are moved on (lib/domain/dlq/sequencing.ts afterHeadResolved), never left behind
 * a resolved row.
 */
export async function resolveDeadLetters(db: Db | Prisma.TransactionClient, dlqIds: readonly string[], consumer: string): Promise<void> {
  const resolved = await db.$queryRawUnsafe<{ id: string }[]>(
    `UPDATE dlq_messages SET status = 'resolved', status_changed_at = now()
      WHERE id = ANY($1::uuid[]) AND consumer = $2 AND status IN ('open', 'replaying', 'parked') RETURNING id::text`,
    [...dlqIds], consumer);
  if (resolved.length === 0) return;
  const waiting = await db.$queryRawUnsafe<{ id: string; head: string; status: string; topic: string; partition: number; offset: bigint }[]>(
    `SELECT id::text, parked_behind::text AS head, status::text, topic, partition, "offset" FROM dlq_messages
      WHERE parked_behind = ANY($1::uuid[]) AND status IN ('parked', 'replaying') FOR UPDATE`, resolved.map((r) => r.id));
  const byHead = new Map<string, typeof waiting>();
  for (const w of waiting) byHead.set(w.head, [...(byHead.get(w.head) ?? []), w]);
  for (const group of byHead.values()) {
    const next = afterHeadResolved(group);
    if (next.open) await db.$executeRawUnsafe(`UPDATE dlq_messages SET status = 'open', parked_behind = NULL, status_changed_at = now() WHERE id = $1::uuid`, next.open);
    for (const b of next.behind) await db.$executeRawUnsafe('UPDATE dlq_messages SET parked_behind = $2::uuid WHERE id = $1::uuid', b.id, b.head);
  }
}

/** Sequenced dead-lettering: the rows of these subjects that hold later events back. */
export async function subjectHeads(db: Db | Prisma.TransactionClient, consumer: string, subjects: readonly string[]): Promise<SubjectHead[]> {
  const rows = await db.$queryRawUnsafe<{ id: string; subject: string; topic: string; partition: number; offset: bigint }[]>(
    `SELECT DISTINCT ON (subject) id::text, subject, topic, partition, "offset" FROM dlq_messages
      WHERE consumer = $1 AND subject = ANY($2::text[]) AND status IN ('open', 'replaying', 'parked')
      ORDER BY subject, topic, partition, "offset"`,
    consumer, [...subjects]);
  return rows.map((r) => ({ id: r.id, subject: r.subject, topic: r.topic, partition: r.partition, offset: String(r.offset) }));
}

/**
 * Parks `letter` behind row `behind`, which is locked first: when it no longer holds the
 * subject (resolved or discarded meanwhile) nothing is written. A replayed row is parked
 * again as it is (its error and history kept); anything else is stored as a row of its own.
 */
export async function parkDeadLetter(db: Prisma.TransactionClient, letter: DeadLetter, behind: string): Promise<'parked' | 'unblocked'> {
  const [head] = await db.$queryRawUnsafe<{ status: string }[]>(
    'SELECT status::text FROM dlq_messages WHERE id = $1::uuid AND consumer = $2 FOR UPDATE', behind, letter.consumer);
  if (!head || !['open', 'replaying', 'parked'].includes(head.status)) return 'unblocked';
  if (letter.replayOf) {
    const n = await db.$executeRawUnsafe(
      `UPDATE dlq_messages SET status = 'parked', parked_behind = $2::uuid, status_changed_at = now() WHERE id = $1::uuid AND consumer = $3`,
      letter.replayOf, behind, letter.consumer);
    if (n > 0) return 'parked';
  }
  const id = await storeDeadLetter(db, { ...letter, replayOf: null });
  await db.$executeRawUnsafe(`UPDATE dlq_messages SET status = 'parked', parked_behind = $2::uuid, status_changed_at = now() WHERE id = $1::uuid`, id, behind);
  return 'parked';
}

/** The events among `eventIds` that `consumer` has a dead letter for, in any status (index on event_id). */
export async function deadLetteredEvents(db: Db | Prisma.TransactionClient, consumer: string, eventIds: readonly string[]): Promise<ReadonlySet<string>> {
  if (eventIds.length === 0) return new Set();
  const rows = await db.$queryRaw<Array<{ id: string }>>`
    SELECT DISTINCT event_id::text AS id FROM dlq_messages WHERE event_id = ANY(${[...eventIds]}::uuid[]) AND consumer = ${consumer}`;
  return new Set(rows.map((r) => r.id));
}

export const prismaDeadLetters: DeadLetterStore<Prisma.TransactionClient> = {
  store: storeDeadLetter,
  deadLettered: deadLetteredEvents,
  resolve: resolveDeadLetters,
  heads: subjectHeads,
  park: parkDeadLetter,
};
