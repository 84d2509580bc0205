// Groups dead-lettered messages by cause: consumer + error class + the message
// with its variable parts (ids, numbers, quoted values) masked + the first
// stack frame without line numbers. Same cause → same fingerprint.
import { createHash } from 'node:crypto';

export function normaliseErrorMessage(message: string): string {
  return message
    .slice(0, 500)
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<uuid>')
    .replace(/\b[0-9a-f]{16,}\b/gi, '<hex>')
    .replace(/"[^"]*"|'[^']*'/g, '<str>')
    .replace(/\d+(\.\d+)?/g, '<n>')
    .replace(/\s+/g, ' ')
    .trim();
}

export function firstStackFrame(stack: string | undefined | null): string {
  if (!stack) return '';
  const frame = stack.split('\n').find((line) => line.trim().startsWith('at '));
  if (!frame) return '';
  return frame
    .trim()
    .replace(/:\d+:\d+\)?$/, '')
    .replace(/\(?(file:\/\/)?\/.*\//, '(')
    .slice(0, 200);
}

export function errorFingerprint(input: { consumer: string; errorClass: string; message: string; stack?: string | null }): string {
  const parts = [input.consumer, input.errorClass, normaliseErrorMessage(input.message), firstStackFrame(input.stack)];
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 16);
}
