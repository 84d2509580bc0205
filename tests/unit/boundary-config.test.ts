// Bad input at the configuration boundary (issue #12, part 2): every process's zod
// schema (lib/config/*) is fed generated values (fast-check) for each variable. A
// value either parses or the error names the variable (or, for a cross-variable
// rule, the error message names it), is a config_invalid AppError, and carries no
// stack trace. Numeric variables: any string parses to a whole number (where the
// schema says integer) within the schema's bounds that equals Number(value) (empty: the
// default), or errors naming the variable.
import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import type { z } from 'zod';
import { parseEnv } from '@/lib/config/parse-env';
import { baseEnvSchema, consoleEnvSchema, migrateEnvSchema, userCreateEnvSchema } from '@/lib/config/schemas';
import { checksEnvSchema } from '@/lib/config/checks-env';
import { consumersEnvSchema } from '@/lib/config/consumers-env';
import { databaseSelectionEnvSchema } from '@/lib/config/database-env';
import { dlqEnvSchema } from '@/lib/config/dlq-env';
import { groupPrefixEnvSchema } from '@/lib/config/group-prefix-env';
import { jobsEnvSchema } from '@/lib/config/jobs-env';
import { maintenanceEnvSchema } from '@/lib/config/maintenance-env';
import { ordersApiEnvSchema, ordersCliEnvSchema } from '@/lib/config/orders-api-env';
import { projectionsEnvSchema } from '@/lib/config/projections-env';
import { relayEnvSchema } from '@/lib/config/relay-env';
import { samplerEnvSchema } from '@/lib/config/sampler-env';
import { trafficEnvSchema } from '@/lib/config/traffic-env';
import { AppError } from '@/lib/errors';

const SEED = 20261128;
const RUNS = 60;

// Console: a secret, so NODE_ENV=production is not refused for NEXTAUTH_SECRET.
const SECRET = { NEXTAUTH_SECRET: 'x'.repeat(40) };
const schemas: Array<[process: string, schema: z.ZodType, base: Record<string, string>]> = [
  ['base', baseEnvSchema, {}],
  ['console', consoleEnvSchema, SECRET],
  ['db:migrate', migrateEnvSchema, {}],
  ['user:create', userCreateEnvSchema, {}],
  ['checks', checksEnvSchema, {}],
  ['demo-consumers', consumersEnvSchema, {}],
  ['database selection', databaseSelectionEnvSchema, {}],
  ['dlq (console, jobs, signalbox CLI)', dlqEnvSchema, {}],
  ['group prefix', groupPrefixEnvSchema, {}],
  ['jobs', jobsEnvSchema, {}],
  ['maintenance', maintenanceEnvSchema, {}],
  ['orders-api', ordersApiEnvSchema, {}],
  ['orders-cli', ordersCliEnvSchema, {}],
  ['projections (jobs)', projectionsEnvSchema, {}],
  ['outbox-relay', relayEnvSchema, {}],
  ['lag-sampler', samplerEnvSchema, {}],
  ['traffic-generator', trafficEnvSchema, {}],
];

type Def = { type: string; innerType?: ZodLike; in?: ZodLike; out?: ZodLike; schema?: ZodLike };
type ZodLike = { _zod: { def: Def }; minValue?: number | null; maxValue?: number | null; isInt?: boolean };

function shapeOf(schema: z.ZodType): Record<string, ZodLike> {
  return (schema as unknown as { shape: Record<string, ZodLike> }).shape;
}

/** The number schema under defaults/optionals, or null when the variable is not numeric. */
function numberOf(field: ZodLike): ZodLike | null {
  let f: ZodLike | undefined = field;
  for (let i = 0; f && i < 5; i++) {
    const def: Def = f._zod.def;
    if (def.type === 'number') return f;
    // Under defaults, optionals and pipes (env-number.ts: preprocess → string → number).
    f = def.innerType ?? def.out ?? def.schema;
  }
  return null;
}

/** The error `fn` throws, checked to be a config error without a stack trace in its message. */
function configError(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('config_invalid');
    const message = (error as AppError).message;
    expect(message).not.toMatch(/\n\s+at .+:\d+/);
    expect(message).toContain('See .env.example');
    return message;
  }
}

// Strings that have tripped parsers: blanks, signs, exponents, hex, huge, unicode digits, shell, SQL, NUL.
const nasty = fc.constantFrom(
  '', ' ', '\t', '0', '-0', '-1', '1.5', '1e3', '1e400', '-1e400', 'Infinity', 'NaN', '0x10', '0b11', '0o7', '１２３', '٣', '9'.repeat(400),
  '  42  ', '42abc', 'true', 'null', 'undefined', '$(rm -rf /)', '`id`', "'; DROP TABLE users; --", '<script>alert(1)</script>', '\u0000', '\n', '%00', '../../etc/passwd',
  'postgresql://', 'http://', 'javascript:alert(1)', 'a'.repeat(10_000),
);
const anyString = fc.oneof(nasty, fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }), fc.integer().map(String), fc.double().map(String));

const tally = new Map<string, number>();
const count = (key: string) => tally.set(key, (tally.get(key) ?? 0) + 1);

describe('configuration boundary', () => {
  for (const [process, schema, base] of schemas) {
    const shape = shapeOf(schema);
    it(`${process}: its defaults parse`, () => {
      expect(() => parseEnv(schema, base, process)).not.toThrow();
    });

    it(`${process}: any value of any variable parses or the error names that variable`, () => {
      fc.assert(
        fc.property(fc.constantFrom(...Object.keys(shape)), anyString, (variable, value) => {
          const message = configError(() => parseEnv(schema, { ...base, [variable]: value }, process));
          count(message === null ? 'config: accepted' : 'config: refused, variable named');
          if (message !== null) {
            expect(message).toContain(process);
            expect(message).toContain(variable);
          }
        }),
        { seed: SEED, numRuns: RUNS * 2 },
      );
    });

    const numeric = Object.entries(shape).flatMap(([name, field]) => {
      const n = numberOf(field);
      return n ? [[name, n] as const] : [];
    });
    if (numeric.length === 0) continue;
    it(`${process}: any string for a numeric variable (${numeric.length}) is a valid number within bounds, or an error naming it`, () => {
      fc.assert(
        fc.property(fc.constantFrom(...numeric), anyString, ([variable, n], value) => {
          let env: Record<string, unknown>;
          try {
            env = parseEnv(schema, { ...base, [variable]: value }, process) as Record<string, unknown>;
          } catch {
            const message = configError(() => parseEnv(schema, { ...base, [variable]: value }, process));
            expect(message).toContain(variable);
            count('config (numeric): refused, variable named');
            return;
          }
          const parsed = env[variable] as number;
          expect(Number.isFinite(parsed)).toBe(true);
          // Empty means unset (the default applies); anything else parses to its own value.
          if (value !== '') expect(parsed).toBe(Number(value));
          if (n.isInt) expect(Number.isInteger(parsed)).toBe(true);
          if (typeof n.minValue === 'number') expect(parsed).toBeGreaterThanOrEqual(n.minValue);
          if (typeof n.maxValue === 'number') expect(parsed).toBeLessThanOrEqual(n.maxValue);
          count('config (numeric): accepted as its number, within bounds');
        }),
        { seed: SEED, numRuns: RUNS * 2 },
      );
    });
  }

  it('names every wrong variable at once, one per line', () => {
    const message = configError(() => parseEnv(relayEnvSchema, { RELAY_BATCH_SIZE: 'lots', RELAY_POLL_MS: '-1', KAFKA_BROKERS: 'nope', DATABASE_URL: 'mysql://x' }, 'outbox-relay'))!;
    for (const v of ['RELAY_BATCH_SIZE', 'RELAY_POLL_MS', 'KAFKA_BROKERS', 'DATABASE_URL']) expect(message).toMatch(new RegExp(`^  ${v}: `, 'm'));
  });

  it('writes its tally for the bad-input report', () => {
    mkdirSync('.data/bad-input', { recursive: true });
    const rows = [...tally].map(([key, n]) => {
      const [inputClass, outcome] = key.split(': ');
      return { boundary: `configuration (${schemas.length} process schemas)`, inputClass: inputClass === 'config' ? 'generated value for any variable' : 'generated string for a numeric variable', outcome: outcome!, count: n };
    });
    expect(rows.length).toBeGreaterThan(0);
    writeFileSync('.data/bad-input/config.json', JSON.stringify(rows, null, 2));
  });
});
