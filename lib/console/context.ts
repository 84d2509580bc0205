// Composition root of the console's server side: configuration parsed once,
// one database client per server process. Route handlers and pages get their
// dependencies from here and pass them into lib/ functions explicitly.
import { consoleEnvSchema, type ConsoleEnv } from '../config/schemas';
import { parseEnv } from '../config/parse-env';
import { createDb, type Db } from '../adapters/prisma/client';

// Used only outside production, so `npm run dev` works without setup; the
// production server refuses to start without NEXTAUTH_SECRET (instrumentation.ts).
const DEVELOPMENT_SECRET = 'signalbox-development-only-secret-do-not-use-in-production';

export interface ConsoleContext {
  env: ConsoleEnv;
  db: Db;
  secret: string;
  now: () => Date;
}

let context: ConsoleContext | undefined;

export function getConsoleEnv(): ConsoleEnv {
  return context?.env ?? parseEnv(consoleEnvSchema, process.env, 'console');
}

export function authSecret(env: ConsoleEnv = getConsoleEnv()): string {
  return env.NEXTAUTH_SECRET ?? DEVELOPMENT_SECRET;
}

export function getConsoleContext(): ConsoleContext {
  if (!context) {
    const env = parseEnv(consoleEnvSchema, process.env, 'console');
    context = { env, db: createDb(env.DATABASE_URL), secret: authSecret(env), now: () => new Date() };
  }
  return context;
}
