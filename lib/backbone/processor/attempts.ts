// Attempt recording: one compact row per try (consumer_attempts via the
// AttemptLog port) and the per-message history a dead letter carries.
import type { ClassifiedError } from '../classify-error';
import type { BatchItem } from '../consumer-definition';
import type { AttemptHistoryEntry, AttemptOutcome, AttemptRecord, InboxItem } from '../ports';

export function inboxItemOf(item: BatchItem): InboxItem {
  return { eventId: item.event.id, topic: item.message.topic, partition: item.message.partition, offset: item.message.offset };
}

export function attemptOf(
  consumer: string,
  item: BatchItem,
  attempt: { number: number; outcome: AttemptOutcome; durationMs: number; error?: ClassifiedError },
): AttemptRecord {
  return {
    consumer,
    ...inboxItemOf(item),
    traceId: item.event.trace_id,
    attempt: attempt.number,
    outcome: attempt.outcome,
    durationMs: attempt.durationMs,
    errorClass: attempt.error?.errorClass ?? null,
    errorMessage: attempt.error?.message ?? null,
  };
}

export function historyEntry(at: Date, attempt: number, durationMs: number, error: ClassifiedError): AttemptHistoryEntry {
  return { attempt, at: at.toISOString(), durationMs: Math.round(durationMs), errorClass: error.errorClass, errorCode: error.code, message: error.message.slice(0, 1000) };
}
