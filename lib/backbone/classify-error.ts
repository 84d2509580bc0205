// Decides what a handler failure means: retry (with backoff) or dead-letter now.
// AppErrors say so themselves; database errors that a retry can cure (lost
// connection, serialization failure, deadlock, timeouts) are retryable; any
// other error is retried too, within the consumer's attempt budget, because a
// wrong "permanent" verdict loses a message's chance while a wrong "retryable"
// one only costs time.
import { errorClassOf, errorMessageOf, isAppError } from '../errors';

export interface ClassifiedError {
  retryable: boolean;
  code: string;
  errorClass: string;
  message: string;
  stack: string | null;
}

const RETRYABLE_SQLSTATES = new Set(['40001', '40P01', '55P03', '57P01', '57P02', '57P03', '53300', '08000', '08003', '08006']);

function sqlStateOf(error: unknown): string | undefined {
  const candidates = [error, (error as { cause?: unknown })?.cause, (error as { meta?: { driverAdapterError?: { cause?: unknown } } })?.meta?.driverAdapterError?.cause];
  for (const c of candidates) {
    const code = (c as { code?: unknown; originalCode?: unknown })?.originalCode ?? (c as { code?: unknown })?.code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

export function classifyError(error: unknown): ClassifiedError {
  const base = {
    errorClass: errorClassOf(error),
    message: errorMessageOf(error).slice(0, 2000),
    stack: error instanceof Error && error.stack ? error.stack.slice(0, 4000) : null,
  };
  if (isAppError(error)) return { ...base, retryable: error.retryable, code: error.code };
  const sqlState = sqlStateOf(error);
  if (sqlState) return { ...base, retryable: RETRYABLE_SQLSTATES.has(sqlState) || sqlState.startsWith('08'), code: `sqlstate_${sqlState}` };
  return { ...base, retryable: true, code: 'unclassified' };
}
