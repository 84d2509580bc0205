// How the scripts (demo, tests, CLIs) choose a PostgreSQL server when none is named:
// DATABASE_URL (or TEST_DATABASE_URL_BASE) when set; else a server answering on
// DEFAULT_POSTGRES_ADDRESS; else the embedded server (docs/database.md).
import { z } from 'zod';
import { intInRange, postgresUrl } from './schemas';

const unsetWhenEmpty = (v: unknown) => (v === '' ? undefined : v);

export const DEFAULT_POSTGRES_ADDRESS = '127.0.0.1:5432';
export const DEFAULT_EMBEDDED_POSTGRES_PORT = 54329;
export const DEFAULT_EMBEDDED_POSTGRES_DIR = '.data/postgres';

export const databaseSelectionEnvSchema = z.object({
  DATABASE_URL: z.preprocess(unsetWhenEmpty, postgresUrl.optional()),
  TEST_DATABASE_URL_BASE: z.preprocess(unsetWhenEmpty, postgresUrl.optional()),
  // Where a machine's own server is looked for; tests point it at a silent port to
  // exercise the embedded path on a machine that has a server.
  DEFAULT_POSTGRES_ADDRESS: z
    .string()
    .regex(/^[A-Za-z0-9.-]{1,253}:\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:5432')
    .default(DEFAULT_POSTGRES_ADDRESS),
  EMBEDDED_POSTGRES_PORT: intInRange(1024, 65_535, DEFAULT_EMBEDDED_POSTGRES_PORT),
  // Relative paths are relative to the repository root.
  EMBEDDED_POSTGRES_DIR: z.preprocess(unsetWhenEmpty, z.string().min(1).default(DEFAULT_EMBEDDED_POSTGRES_DIR)),
});
export type DatabaseSelectionEnv = z.infer<typeof databaseSelectionEnvSchema>;
