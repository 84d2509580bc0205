// Dead-letter writing: the DLQ row (raw bytes and headers as received, what
// could be read of the envelope, the error and its history) and the final
// attempt record, in one transaction.
import { errorFingerprint } from '../../domain/fingerprint';
import { parseTraceparent } from '../../domain/events/trace-context';
import type { ClassifiedError } from '../classify-error';
import type { AttemptHistoryEntry, AttemptRecord, DeadLetter, SqlTx } from '../ports';
import type { ProcessorScope } from './deps';
import { headerValue, type Decoded } from './plan';
import { replayedDlqId } from './replay-lineage';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The dead letter for a decoded message. Pure. */
export function deadLetterOf(consumer: string, decoded: Decoded, error: ClassifiedError, history: AttemptHistoryEntry[], failedAt: Date): DeadLetter {
  const { message, result } = decoded;
  const event = result.ok ? result.envelope : null;
  const partial = result.ok ? null : result.partial;
  return {
    consumer,
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    key: message.key,
    headers: message.headers,
    payload: message.value ?? Buffer.alloc(0),
    eventId: event?.id ?? partial?.id ?? null,
    eventType: event?.type ?? partial?.type ?? null,
    eventVersion: event?.version ?? partial?.version ?? null,
    subject: event?.subject ?? partial?.subject ?? null,
    // Bytes that cannot be decoded keep the trace their producer sent in the traceparent header,
    // so the dead letter shows up in that flow's timeline instead of a trace of its own.
    traceId: event?.trace_id ?? partial?.traceId ?? parseTraceparent(headerValue(message.headers, 'traceparent'))?.traceId ?? null,
    errorClass: error.errorClass,
    errorCode: error.code,
    errorMessage: error.message,
    errorStack: error.stack,
    fingerprint: errorFingerprint({ consumer, errorClass: error.errorClass, message: error.message, stack: error.stack }),
    attempts: history,
    failedAt,
    replayOf: replayedDlqId(consumer, message),
  };
}

function finalAttempt(letter: DeadLetter, history: AttemptHistoryEntry[]): AttemptRecord {
  return {
    consumer: letter.consumer,
    eventId: letter.eventId && UUID.test(letter.eventId) ? letter.eventId : null,
    traceId: letter.traceId,
    topic: letter.topic,
    partition: letter.partition,
    offset: letter.offset,
    attempt: history.length,
    outcome: 'dead_lettered',
    durationMs: history.at(-1)?.durationMs ?? 0,
    errorClass: letter.errorClass,
    errorMessage: letter.errorMessage,
  };
}

export async function writeDeadLetter<Tx extends SqlTx>(scope: ProcessorScope<Tx>, decoded: Decoded, error: ClassifiedError, history: AttemptHistoryEntry[]): Promise<void> {
  const letter = deadLetterOf(scope.consumer, decoded, error, history, scope.now());
  await scope.ports.transactions.run(async (tx) => {
    await scope.ports.deadLetters.store(tx, letter);
    await scope.ports.attempts.record(tx, [finalAttempt(letter, history)]);
  }, { timeoutMs: scope.timeoutMs });
  const { topic, partition, offset } = decoded.message;
  scope.log(`${scope.consumer}: dead-lettered ${topic}/${partition}@${offset} (${error.code}: ${error.message.slice(0, 120)})`);
}
