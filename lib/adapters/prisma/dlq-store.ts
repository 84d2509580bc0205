// Dead-letter store (the backbone's DeadLetterStore port): one row per
// (consumer, topic, partition, offset), so a crash between dead-lettering and
// committing the offset cannot make a second row.
import type { DeadLetter, DeadLetterStore } from '../../backbone/ports';
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
    attempts: letter.attempts as unknown as Prisma.InputJsonValue,
    attemptCount: letter.attempts.length,
    lastFailedAt: letter.failedAt,
  };
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

export const prismaDeadLetters: DeadLetterStore<Prisma.TransactionClient> = { store: storeDeadLetter };
