// A failure's cause, ACROSS consumers: error class + normalised message (uuids,
// long hex ids, quoted values and numbers — ids, offsets, counts — masked) + first
// stack frame without line numbers or paths. One poison message that six
// consumers dead-letter is one cause with six per-consumer counts; the per-consumer
// `fingerprint` on dlq_messages stays as it was. Pure.
//
// The migration that added dlq_causes mirrors this in SQL (signalbox_dlq_cause_key)
// to backfill old rows and as a fallback for writers that leave cause_key empty;
// tests/int/dlq-causes.test.ts checks that both give the same key.
import { createHash } from 'node:crypto';
import { firstStackFrame, normaliseErrorMessage } from '../fingerprint';

export interface Cause {
  key: string;
  errorClass: string;
  message: string;
  frame: string;
}

export function causeOf(input: { errorClass: string; message: string; stack?: string | null }): Cause {
  const errorClass = input.errorClass.slice(0, 200);
  const message = normaliseErrorMessage(input.message);
  const frame = firstStackFrame(input.stack);
  // Newline separates the parts: the normalised message has no newline left in it.
  const key = createHash('sha256').update(`${errorClass}\n${message}\n${frame}`).digest('hex').slice(0, 24);
  return { key, errorClass, message, frame };
}

export const causeKeyPattern = /^[0-9a-f]{24}$/;

export function isCauseKey(value: unknown): value is string {
  return typeof value === 'string' && causeKeyPattern.test(value);
}
