import { describe, expect, it } from 'vitest';
import { parseEnv } from '@/lib/config/parse-env';
import { baseEnvSchema, consoleEnvSchema } from '@/lib/config/schemas';
import { configErrorMessage } from '../support/config-error';

describe('configuration', () => {
  it('has working defaults for local development', () => {
    const env = parseEnv(consoleEnvSchema, {}, 'console');
    expect(env.DATABASE_URL).toBe('postgresql://postgres@127.0.0.1:5432/signalbox');
    expect(env.KAFKA_BROKERS).toEqual(['127.0.0.1:9092']);
    expect(env.SIGNIN_MAX_FAILURES).toBe(5);
  });

  it('splits and trims a broker list', () => {
    const env = parseEnv(baseEnvSchema, { KAFKA_BROKERS: ' a:9092, b.example:19092 ' }, 'x');
    expect(env.KAFKA_BROKERS).toEqual(['a:9092', 'b.example:19092']);
  });

  it('names the variable that is wrong', () => {
    const message = configErrorMessage(() => parseEnv(baseEnvSchema, { DATABASE_URL: 'mysql://x' }, 'relay'));
    expect(message).toContain('relay');
    expect(message).toContain('DATABASE_URL');
  });

  it('refuses production without a secret, naming NEXTAUTH_SECRET', () => {
    const message = configErrorMessage(() => parseEnv(consoleEnvSchema, { NODE_ENV: 'production' }, 'console'));
    expect(message).toContain('NEXTAUTH_SECRET');
  });

  it('refuses a short secret', () => {
    expect(configErrorMessage(() => parseEnv(consoleEnvSchema, { NEXTAUTH_SECRET: 'short' }, 'console'))).toContain('NEXTAUTH_SECRET');
  });

  it.each([
    ['KAFKA_BROKERS', 'not a broker'],
    ['KAFKA_BROKERS', '127.0.0.1:9092;rm -rf /'],
    ['KAFKA_BROKERS', ','],
    ['KAFKA_CLIENT_ID', 'x'.repeat(1000)],
    ['KAFKA_CLIENT_ID', '$(whoami)'],
    ['SIGNIN_MAX_FAILURES', 'abc'],
    ['SIGNIN_MAX_FAILURES', '1e9'],
    ['SIGNIN_LOCK_SECONDS', '-5'],
    ['LOG_LEVEL', 'verbose'],
    ['NODE_ENV', 'staging'],
  ])('rejects %s=%j with the variable named', (name, value) => {
    expect(configErrorMessage(() => parseEnv(consoleEnvSchema, { [name]: value }, 'console'))).toContain(name);
  });
});
