// Whether a database error means "PostgreSQL is unreachable right now" (down,
// restarting, connection killed, out of connections), as opposed to a problem with
// the request. Such errors are answered with 503 and retried with backoff; they
// are never a reason for a worker to exit.

const UNAVAILABLE_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
  'TlsConnectionError',
]);
// Prisma: can't reach (P1001), timed out (P1002, P1008), server closed the connection
// (P1017), no transaction slot in time (P2024 pool timeout, P2028 transaction API).
const UNAVAILABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028']);
// PostgreSQL: admin/crash shutdown, cannot connect now, too many connections, connection exceptions (08xxx).
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
const UNAVAILABLE_MESSAGES =
  /Connection terminated|not queryable|ECONNREFUSED|ECONNRESET|Can't reach database server|Server has closed the connection/i;

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, meta, message } = e as {
      code?: unknown;
      meta?: { driverAdapterError?: { cause?: { kind?: string; originalCode?: string } } };
      message?: unknown;
    };
    const adapter = meta?.driverAdapterError?.cause;
    if (adapter?.kind && UNAVAILABLE_KINDS.has(adapter.kind)) return true;
    const sqlState = adapter?.originalCode ?? code;
    if (typeof sqlState === 'string' && (UNAVAILABLE_SQLSTATES.has(sqlState) || /^08[0-9A-Z]{3}$/.test(sqlState))) return true;
    if (typeof code === 'string' && UNAVAILABLE_PRISMA_CODES.has(code)) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return true;
  }
  return false;
}

/**
 * Wraps a database call so that, once it failed because the database is unavailable,
 * further calls fail at once (without a connection attempt) for a backoff that doubles
 * from 500 ms to 30 s while the outage lasts, and resets at the first success.
 * Calls that were already in flight when a backoff began do not double it again: an
 * outage fails every concurrent call at once, and that is one failed try, not sixteen
 * (which took a 3 s PostgreSQL restart to a 30 s stop of the demo's traffic).
 */
export function backOffWhileUnavailable<A extends unknown[], R>(call: (...args: A) => Promise<R>, now: () => number = Date.now) {
  let failures = 0;
  let until = 0;
  let generation = 0; // bumped each time a backoff begins
  return async (...args: A): Promise<R> => {
    if (now() < until) throw new Error(`database unavailable; not trying again for ${until - now()} ms`);
    const startedIn = generation;
    try {
      const result = await call(...args);
      failures = 0;
      return result;
    } catch (error) {
      if (isDatabaseUnavailable(error) && startedIn === generation) {
        generation++;
        until = now() + Math.min(30_000, 500 * 2 ** failures++);
      }
      throw error;
    }
  };
}
