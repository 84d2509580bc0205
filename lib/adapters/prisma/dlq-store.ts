// Dead-letter store (the backbone's DeadLetterStore port): one row per
// (consumer, topic, partition, offset), so a crash between dead-lettering and
// committing the offset cannot make a second row.
import type { DeadLetter, DeadLetterStore } from '../../backbone/ports';
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
      eventType: letter.eventType?.slice(0, 200) ?? null,
      eventVersion: letter.eventVersion,
      subject: letter.subject?.slice(0, 200) ?? null,
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
 */
async function failedAgain(db: Db | Prisma.TransactionClient, letter: DeadLetter, common: { errorClass: string; errorCode: string; errorMessage: string; errorStack: string | null; causeKey: string }): Promise<string | null> {
  const rows = await db.$queryRawUnsafe<{ attempt_count: number }[]>(
    'SELECT attempt_count FROM dlq_messages WHERE id = $1::uuid AND consumer = $2 FOR UPDATE', letter.replayOf, letter.consumer);
  if (rows.length === 0) return null;
  const next = letter.attempts.map((a, i) => ({ ...a, attempt: rows[0]!.attempt_count + i + 1 }));
  await db.$executeRawUnsafe(
    `UPDATE dlq_messages SET attempts = attempts || $2::jsonb, attempt_count = attempt_count + $3, error_class = $4, error_code = $5,
            error_message = $6, error_stack = $7, cause_key = $8, last_failed_at = $9, status = 'open', status_changed_at = $9
      WHERE id = $1::uuid`,
    letter.replayOf, JSON.stringify(next), next.length, common.errorClass, common.errorCode, common.errorMessage, common.errorStack, common.causeKey, letter.failedAt);
  return letter.replayOf!;
}

/** The consumer applied a replay of this row (or had already): resolved, in the applying transaction. */
export async function resolveDeadLetter(db: Db | Prisma.TransactionClient, dlqId: string, consumer: string): Promise<void> {
  await db.$executeRawUnsafe(
    `UPDATE dlq_messages SET status = 'resolved', status_changed_at = now() WHERE id = $1::uuid AND consumer = $2 AND status IN ('open', 'replaying')`,
    dlqId, consumer);
}

export const prismaDeadLetters: DeadLetterStore<Prisma.TransactionClient> = { store: storeDeadLetter, resolve: resolveDeadLetter };
