import { z } from 'zod';
import { AppError } from '../errors';

/**
 * Parses a process's environment with its schema. On failure the message names
 * every offending variable, so a process stops at start with something to fix.
 */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
  processName: string,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const variable = issue.path.join('.') || '(environment)';
    return `  ${variable}: ${issue.message}`;
  });
  throw new AppError(
    'config_invalid',
    `Invalid configuration for ${processName}:\n${problems.join('\n')}\nSee .env.example for every variable.`,
  );
}

/** Runs parseEnv at process start; prints the message and exits 78 (EX_CONFIG) on failure. */
export function loadEnvOrExit<S extends z.ZodType>(
  schema: S,
  processName: string,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  try {
    return parseEnv(schema, env, processName);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(78);
  }
}
