import type { Db } from '../adapters/prisma/client';

export type ConsoleHealth =
  | { status: 'ok'; checks: { database: 'ok' } }
  | { status: 'degraded'; checks: { database: 'unreachable' } };

/** Public liveness/readiness: whether the console reaches its database. Leaks no detail. */
export async function getConsoleHealth(db: Pick<Db, '$queryRaw'>): Promise<ConsoleHealth> {
  try {
    await db.$queryRaw`SELECT 1`;
    return { status: 'ok', checks: { database: 'ok' } };
  } catch {
    return { status: 'degraded', checks: { database: 'unreachable' } };
  }
}
