import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client';

export type Db = PrismaClient;
export type { Prisma } from './generated/client';

export interface DbOptions {
  poolSize?: number;
  /** Shown in pg_stat_activity, so a process's connections can be told apart (and killed in fault tests). */
  applicationName?: string;
  /** A pooled connection failed (e.g. the server restarted); it is dropped, the next query opens a new one. */
  onConnectionError?: (error: Error) => void;
}

/** Builds a Prisma client over node-postgres; the caller owns it and disconnects it. */
export function createDb(databaseUrl: string, options: DbOptions = {}): Db {
  const adapter = new PrismaPg(
    { connectionString: databaseUrl, max: options.poolSize ?? 10, application_name: options.applicationName },
    // Both are listened to anyway (so a lost connection is never an uncaught 'error'); these only report it.
    { onPoolError: options.onConnectionError, onConnectionError: options.onConnectionError },
  );
  return new PrismaClient({ adapter });
}
