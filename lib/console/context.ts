// Composition root of the console's server side: one database client per server
// process, over the configuration of lib/console/env.ts. Route handlers and pages
// get their dependencies from here and pass them into lib/ functions explicitly.
import type { ConsoleEnv } from '../config/schemas';
import { createDb, type Db } from '../adapters/prisma/client';
import { authSecret, getConsoleEnv } from './env';

export interface ConsoleContext {
  env: ConsoleEnv;
  db: Db;
  secret: string;
  now: () => Date;
}

let context: ConsoleContext | undefined;

export function getConsoleContext(): ConsoleContext {
  if (!context) {
    const parsed = getConsoleEnv();
    context = { env: parsed, db: createDb(parsed.DATABASE_URL), secret: authSecret(parsed), now: () => new Date() };
  }
  return context;
}
