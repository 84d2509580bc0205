// npm run user:create -- --email you@example.com --role operator [--name "Ada"] [--reset]
// Prints the generated password once; only its Argon2id hash is stored.
import { parseArgs } from 'node:util';
import { createUser, createUserInputSchema } from '../lib/app/create-user';
import { createDb } from '../lib/adapters/prisma/client';
import { userCreateEnvSchema } from '../lib/config/schemas';
import { loadEnvOrExit } from '../lib/config/parse-env';
import { adoptRunningDatabase } from '../lib/adapters/postgres/resolve-server';
import { isAppError } from '../lib/errors';
import { inputIssues } from '../lib/domain/input-issues';

const usage = 'Usage: npm run user:create -- --email <e-mail> --role <viewer|operator|admin> [--name <name>] [--reset]';

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        email: { type: 'string' },
        role: { type: 'string' },
        name: { type: 'string' },
        reset: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${usage}`);
    return 64;
  }
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const input = createUserInputSchema.safeParse({ email: values.email, role: values.role, name: values.name });
  if (!input.success) {
    for (const issue of inputIssues(input.error)) console.error(`--${issue.path}: ${issue.message}`);
    console.error(usage);
    return 64;
  }
  await adoptRunningDatabase(); // DATABASE_URL unset: the server the demo uses (docs/database.md)
  const env = loadEnvOrExit(userCreateEnvSchema, 'user:create');
  const db = createDb(env.DATABASE_URL, { poolSize: 1 });
  try {
    const user = await createUser(db, input.data, { ifExists: values.reset ? 'reset' : 'fail' });
    console.log(`${user.created ? 'Created' : 'Reset'} ${user.role} ${user.email}`);
    console.log(`Password (shown once): ${user.password}`);
    return 0;
  } catch (error) {
    if (isAppError(error)) {
      console.error(`${error.message}${error.code === 'conflict' ? ' Pass --reset to set a new password.' : ''}`);
      return 1;
    }
    throw error;
  } finally {
    await db.$disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
