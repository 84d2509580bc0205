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

let env: ConsoleEnv | undefined;
let context: ConsoleContext | undefined;

/** Parsed once per server process; the proxy asks for the secret on every request. */
export function getConsoleEnv(): ConsoleEnv {
  env ??= parseEnv(consoleEnvSchema, process.env, 'console');
  return env;
}

export function authSecret(env: ConsoleEnv = getConsoleEnv()): string {
  return env.NEXTAUTH_SECRET ?? DEVELOPMENT_SECRET;
}

export function getConsoleContext(): ConsoleContext {
  if (!context) {
    const parsed = getConsoleEnv();
    context = { env: parsed, db: createDb(parsed.DATABASE_URL), secret: authSecret(parsed), now: () => new Date() };
  }
  return context;
}
