// One error type for the whole codebase, with a closed set of codes. Each code
// decides, in this one table, whether retrying can help and which HTTP status it
// maps to; there is no per-error override. Anything that is not an AppError
// becomes a plain 500 in the API, and a classified code from this table in the
// consumers (lib/backbone/classify-error.ts). docs/consumers.md lists the table.

export const errorCodes = {
  bad_request: { status: 400, retryable: false },
  unauthorized: { status: 401, retryable: false },
  forbidden: { status: 403, retryable: false },
  not_found: { status: 404, retryable: false },
  conflict: { status: 409, retryable: false },
  /** Someone else changed the same thing at the same time (version check, serialization failure, deadlock): try again. */
  concurrent_update: { status: 409, retryable: true },
  payload_too_large: { status: 413, retryable: false },
  unsupported_media_type: { status: 415, retryable: false },
  rate_limited: { status: 429, retryable: true },
  config_invalid: { status: 500, retryable: false },
  internal: { status: 500, retryable: false },
  unavailable: { status: 503, retryable: true },
  // Database failures, as classified from SQLSTATEs and driver errors.
  db_unavailable: { status: 503, retryable: true },
  constraint_violation: { status: 409, retryable: false },
  query_rejected: { status: 500, retryable: false },
  // Message handling: how a consumed message failed.
  undecodable: { status: 422, retryable: false },
  schema_invalid: { status: 422, retryable: false },
  unknown_type: { status: 422, retryable: false },
  unsupported_version: { status: 422, retryable: false },
  oversized: { status: 413, retryable: false },
  transient: { status: 503, retryable: true },
  permanent: { status: 422, retryable: false },
  rejected: { status: 409, retryable: false },
  /** A handler threw something unclassified: retried within the consumer's attempt budget, then dead-lettered. */
  handler_failed: { status: 500, retryable: true },
} as const satisfies Record<string, { status: number; retryable: boolean }>;

export type ErrorCode = keyof typeof errorCodes;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details;
  }

  get retryable(): boolean {
    return errorCodes[this.code].retryable;
  }

  get status(): number {
    return errorCodes[this.code].status;
  }
}

export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(errorCodes, value);
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

/** The error's class name as a short label, for grouping and display. */
export function errorClassOf(error: unknown): string {
  if (error instanceof AppError) return `AppError:${error.code}`;
  if (error instanceof Error) return error.name || 'Error';
  return typeof error;
}

export function errorMessageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
