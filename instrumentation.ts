// Runs once when the console server starts: parse configuration and stop with
// a message naming the variable when it is wrong (e.g. no NEXTAUTH_SECRET in production).
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { consoleEnvSchema } = await import('./lib/config/schemas');
  const { loadEnvOrExit } = await import('./lib/config/parse-env');
  loadEnvOrExit(consoleEnvSchema, 'console');
}
