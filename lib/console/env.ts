// The console's configuration, apart from its database context: proxy.ts needs the
// auth secret and the console's own origin on every request, and must not pull in
// Prisma to get them. Parsed once per server process.
import { consoleEnvSchema, type ConsoleEnv } from '../config/schemas';
import { parseEnv } from '../config/parse-env';

// Used only outside production, so `npm run dev` works without setup; the
// production server refuses to start without NEXTAUTH_SECRET (instrumentation.ts).
const DEVELOPMENT_SECRET = 'signalbox-development-only-secret-do-not-use-in-production';

let env: ConsoleEnv | undefined;

export function getConsoleEnv(): ConsoleEnv {
  env ??= parseEnv(consoleEnvSchema, process.env, 'console');
  return env;
}

export function authSecret(parsed: ConsoleEnv = getConsoleEnv()): string {
  return parsed.NEXTAUTH_SECRET ?? DEVELOPMENT_SECRET;
}
