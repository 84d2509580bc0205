// Numeric environment variables take plain decimal only (lib/config/env-number.ts).
// Before, z.coerce.number() (Number()) read `0x10` as 16, `1e3` as 1000, ` 5 ` as 5 and
// the empty string as 0. Now: an integer variable takes digits only, no leading zero,
// within its range; a decimal one (checks thresholds) one fractional part; empty means
// unset (the default applies); anything else stops the process with an error naming
// the variable. Checked on real process schemas, hand-picked and generated values.
import { trafficEnvSchema } from '@/lib/config/traffic-env';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { z } from 'zod';
import { parseEnv } from '@/lib/config/parse-env';
import { checksEnvSchema } from '@/lib/config/checks-env';
import { consoleEnvSchema } from '@/lib/config/schemas';
import { consumersEnvSchema } from '@/lib/config/consumers-env';
import { databaseSelectionEnvSchema } from '@/lib/config/database-env';
import { dlqEnvSchema } from '@/lib/config/dlq-env';
import { jobsEnvSchema } from '@/lib/config/jobs-env';
import { ordersApiEnvSchema } from '@/lib/config/orders-api-env';
import { relayEnvSchema } from '@/lib/config/relay-env';

interface IntegerVariable {
  schema: z.ZodType;
  variable: string;
  min: number;
  max: number;
  fallback: number;
}
const SECRET = { NEXTAUTH_SECRET: 'x'.repeat(40) };
const integers: IntegerVariable[] = [
  { schema: relayEnvSchema, variable: 'RELAY_BATCH_SIZE', min: 1, max: 5_000, fallback: 500 },
  { schema: relayEnvSchema, variable: 'RELAY_LINGER_MS', min: 0, max: 1_000, fallback: 10 },
  { schema: dlqEnvSchema, variable: 'DLQ_REPLAY_RATE_CAP', min: 1, max: 2_000, fallback: 2_000 },
  { schema: dlqEnvSchema, variable: 'DLQ_REPLAY_CANARY', min: 0, max: 10_000, fallback: 10 },
  { schema: jobsEnvSchema, variable: 'JOBS_CONCURRENCY', min: 1, max: 32, fallback: 2 },
  { schema: consumersEnvSchema, variable: 'CONSUMER_PARTITION_CONCURRENCY', min: 1, max: 64, fallback: 6 },
  { schema: consumersEnvSchema, variable: 'CONSUMER_DB_POOL_SIZE', min: 2, max: 200, fallback: 16 },
  { schema: consumersEnvSchema, variable: 'CONSUMER_FETCH_MIN_BYTES', min: 1, max: 16 * 1024 * 1024, fallback: 256 * 1024 },
  { schema: consumersEnvSchema, variable: 'CONSUMER_FETCH_MAX_WAIT_MS', min: 10, max: 10_000, fallback: 250 },
  { schema: consumersEnvSchema, variable: 'CONSUMER_MAX_MESSAGE_BYTES', min: 1024, max: 64 * 1024 * 1024, fallback: 1024 * 1024 },
  { schema: trafficEnvSchema, variable: 'TRAFFIC_BATCH_LINGER_MS', min: 0, max: 1_000, fallback: 50 },
  { schema: ordersApiEnvSchema, variable: 'ORDERS_API_PORT', min: 0, max: 65_535, fallback: 3100 },
  { schema: databaseSelectionEnvSchema, variable: 'EMBEDDED_POSTGRES_PORT', min: 1024, max: 65_535, fallback: 54329 },
  { schema: consoleEnvSchema, variable: 'SIGNIN_MAX_FAILURES', min: 1, max: 100, fallback: 5 },
];

const parse = (schema: z.ZodType, env: Record<string, string>) => parseEnv(schema, { ...SECRET, ...env }, 'test') as Record<string, unknown>;

const MALFORMED = [
  '0x10', '0X1F', '1e3', '1E2', ' 5 ', ' 5', '5 ', '\t7', '7\n', '+5', '-0', '-1', '1.0', '1.5', '1_000', '1,000', '0b11', '0o7', '007', '08',
  'Infinity', '-Infinity', 'NaN', '１２', '٣', '5abc', 'abc', '\u00005', '5\u0000', '$(id)', '`id`', "1; DROP TABLE users", ' ', '\t', 'null', 'true',
];

describe('integer environment variables', () => {
  for (const { schema, variable, min, max, fallback } of integers) {
    describe(variable, () => {
      it('accepts plain decimal integers at both ends of its range', () => {
        expect(parse(schema, { [variable]: String(min) })[variable]).toBe(min);
        expect(parse(schema, { [variable]: String(max) })[variable]).toBe(max);
      });

      it('treats empty as unset: the default applies', () => {
        expect(parse(schema, { [variable]: '' })[variable]).toBe(fallback);
        expect(parse(schema, {})[variable]).toBe(fallback);
      });

      it.each(MALFORMED)('refuses %j, naming the variable and quoting the value', (value) => {
        expect(() => parse(schema, { [variable]: value })).toThrow(new RegExp(`^  ${variable}: must be a number: whole, in plain decimal digits, got `, 'm'));
      });

      it('refuses values outside its range and oversized ones, naming the variable', () => {
        expect(() => parse(schema, { [variable]: String(max + 1) })).toThrow(new RegExp(`${variable}: `));
        if (min > 0) expect(() => parse(schema, { [variable]: String(min - 1) })).toThrow(new RegExp(`${variable}: `));
        for (const huge of ['99999999999999999999', '9'.repeat(400), '9007199254740993']) {
          expect(() => parse(schema, { [variable]: huge })).toThrow(new RegExp(`${variable}: .*got a ${huge.length}-digit number`));
        }
        const long = parse.bind(null, schema, { [variable]: 'x'.repeat(10_000) });
        expect(long).toThrow(/got "x{40}… \(10000 characters\)"/);
      });
    });
  }

  it('any string is accepted exactly when it is plain decimal digits within range, as its own value', () => {
    const { schema, variable, min, max } = integers[0]!;
    const digits = fc.integer({ min: -10, max: 10_000 }).map(String);
    const noisy = fc.oneof(digits, fc.string({ maxLength: 8 }), digits.map((d) => ` ${d}`), digits.map((d) => `0${d}`), fc.double().map(String));
    fc.assert(
      fc.property(noisy, (value) => {
        const plain = /^(0|[1-9][0-9]*)$/.test(value) && Number(value) >= min && Number(value) <= max;
        if (value === '') return;
        if (plain) expect(parse(schema, { [variable]: value })[variable]).toBe(Number(value));
        else expect(() => parse(schema, { [variable]: value })).toThrow(new RegExp(`${variable}: `));
      }),
      { seed: 20261128, numRuns: 400 },
    );
  });
});

describe('decimal environment variables (checks thresholds)', () => {
  const variable = 'CHECKS_DLQ_INFLOW_WARN_PER_MINUTE';
  it('accepts plain decimals, treats empty as unset', () => {
    expect(parse(checksEnvSchema, { [variable]: '0.5' })[variable]).toBe(0.5);
    expect(parse(checksEnvSchema, { [variable]: '12' })[variable]).toBe(12);
    expect(parse(checksEnvSchema, { [variable]: '' })[variable]).toBe(5);
  });
  it.each(['0x10', '1e3', ' 5 ', '.5', '5.', '+5', 'Infinity', '1e-2', '0.5.1', '9'.repeat(400)])('refuses %j, naming the variable', (value) => {
    expect(() => parse(checksEnvSchema, { [variable]: value })).toThrow(new RegExp(`^  ${variable}: must be`, 'm'));
  });
});
