// Decides what a handler failure means: retry (with backoff) or dead-letter
// now, always as a code from the one error table (lib/errors.ts), so DLQ rows
// only ever carry known codes. AppErrors carry their code; database errors are
// classified by SQLSTATE (or the driver's code), which stays in the message;
// anything else is `handler_failed`, retried within the consumer's attempt
// budget, because a wrong "permanent" verdict loses a message's chance while a
// wrong "retryable" one only costs time.
import { errorClassOf, errorCodes, errorMessageOf, isAppError, type ErrorCode } from '../errors';

export interface ClassifiedError {
  code: ErrorCode;
  retryable: boolean;
  errorClass: string;
  message: string;
  stack: string | null;
}

/** SQLSTATE classes and codes (https://www.postgresql.org/docs/current/errcodes-appendix.html), most specific first. */
const SQLSTATE_CODES: ReadonlyArray<[RegExp, ErrorCode]> = [
  [/^(40001|40P01|55P03)$/, 'concurrent_update'], // serialization failure, deadlock, lock not available
  [/^(08|53|57P)/, 'db_unavailable'], // connection exceptions, insufficient resources, shutdown / cannot connect now
  [/^23/, 'constraint_violation'], // integrity constraints
  [/^[0-9A-Z]{5}$/, 'query_rejected'], // anything else the server refused: data exceptions, SQL errors
];

/** Prisma's and Node's own codes for the same situations, when there is no SQLSTATE. */
const DRIVER_CODES: Readonly<Record<string, ErrorCode>> = {
  P2034: 'concurrent_update', // transaction failed: write conflict or deadlock
  P1001: 'db_unavailable', // cannot reach the server
  P1002: 'db_unavailable', // server timed out
  P1008: 'db_unavailable', // operation timed out
  P1017: 'db_unavailable', // server closed the connection
  P2024: 'db_unavailable', // timed out getting a pool connection
  P2002: 'constraint_violation',
  P2003: 'constraint_violation',
  P2011: 'constraint_violation',
  ECONNREFUSED: 'db_unavailable',
  ECONNRESET: 'db_unavailable',
  ETIMEDOUT: 'db_unavailable',
  EPIPE: 'db_unavailable',
};

/** Prisma's own codes (P1000-P6999) look like SQLSTATEs; PL/pgSQL's real ones are P0xxx. */
const PRISMA_CODE = /^P[1-9][0-9]{3}$/;
const LOST_CONNECTION = /Connection terminated|connection (is )?closed|Can't reach database server/i;

function codesOf(error: unknown): string[] {
  const driverCause = (error as { meta?: { driverAdapterError?: { cause?: unknown } } })?.meta?.driverAdapterError?.cause;
  const candidates = [error, (error as { cause?: unknown })?.cause, driverCause];
  return candidates.flatMap((c) => [(c as { originalCode?: unknown })?.originalCode, (c as { code?: unknown })?.code]).filter((c): c is string => typeof c === 'string');
}

/** The table code for a non-AppError, and the SQLSTATE it came from (kept in the message). */
function codeOf(error: unknown): { code: ErrorCode; sqlState?: string } {
  const codes = codesOf(error);
  const sqlState = codes.find((c) => /^[0-9A-Z]{5}$/.test(c) && !PRISMA_CODE.test(c));
  if (sqlState) return { code: SQLSTATE_CODES.find(([pattern]) => pattern.test(sqlState))![1], sqlState };
  const driver = codes.find((c) => DRIVER_CODES[c]);
  if (driver) return { code: DRIVER_CODES[driver]! };
  if (LOST_CONNECTION.test(errorMessageOf(error))) return { code: 'db_unavailable' };
  return { code: 'handler_failed' };
}

export function classifyError(error: unknown): ClassifiedError {
  const { code, sqlState } = isAppError(error) ? { code: error.code, sqlState: undefined } : codeOf(error);
  const message = (sqlState ? `[SQLSTATE ${sqlState}] ` : '') + errorMessageOf(error);
  return {
    code,
    retryable: errorCodes[code].retryable,
    errorClass: errorClassOf(error),
    // NUL is refused by PostgreSQL text and jsonb: a message quoting hostile bytes must still be storable.
    message: message.replace(/\u0000/g, '\ufffd').slice(0, 2000),
    stack: error instanceof Error && error.stack ? error.stack.replace(/\u0000/g, '\ufffd').slice(0, 4000) : null,
  };
}
