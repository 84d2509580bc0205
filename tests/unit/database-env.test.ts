import { describe, expect, it } from 'vitest';
import { parseEnv } from '@/lib/config/parse-env';
import { databaseSelectionEnvSchema } from '@/lib/config/database-env';

describe('database selection configuration', () => {
  it('defaults to looking on 127.0.0.1:5432, then the embedded server on 54329 in .data/postgres', () => {
    const env = parseEnv(databaseSelectionEnvSchema, {}, 'demo');
    expect(env).toEqual({
      DATABASE_URL: undefined,
      TEST_DATABASE_URL_BASE: undefined,
      DEFAULT_POSTGRES_ADDRESS: '127.0.0.1:5432',
      EMBEDDED_POSTGRES_PORT: 54329,
      EMBEDDED_POSTGRES_DIR: '.data/postgres',
    });
  });

  it('treats empty values as unset (an empty DATABASE_URL= line in .env)', () => {
    const env = parseEnv(databaseSelectionEnvSchema, { DATABASE_URL: '', EMBEDDED_POSTGRES_DIR: '' }, 'demo');
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.EMBEDDED_POSTGRES_DIR).toBe('.data/postgres');
  });

  it('names each wrong variable', () => {
    expect(() =>
      parseEnv(
        databaseSelectionEnvSchema,
        { DATABASE_URL: 'mysql://x', DEFAULT_POSTGRES_ADDRESS: 'localhost', EMBEDDED_POSTGRES_PORT: '80' },
        'demo',
      ),
    ).toThrow(
      /DATABASE_URL: must start with postgresql:\/\/[\s\S]*DEFAULT_POSTGRES_ADDRESS: must be host:port[\s\S]*EMBEDDED_POSTGRES_PORT: must be at least 1024/,
    );
  });
});
