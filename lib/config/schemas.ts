// One zod schema per kind of process. Each is parsed once where the process
// starts (workers/<name>/index.ts, the console's server code, scripts).
import { z } from 'zod';
import { tracingUiUrlTemplateSchema } from '../domain/trace/tracing-ui-url';
import { topicPrefixEnvSchema } from './topic-prefix-env';
import { groupPrefixEnvSchema } from './group-prefix-env';
import { envInt } from './env-number';

export const postgresUrl = z
  .string()
  .url('must be a URL like postgresql://user@host:5432/db')
  .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must start with postgresql://');

const brokerList = z
  .string()
  .min(1, 'must list at least one broker, e.g. 127.0.0.1:9092')
  .transform((v) => v.split(',').map((b) => b.trim()).filter(Boolean))
  .refine((list) => list.length > 0 && list.every((b) => /^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/.test(b)), {
    message: 'must be a comma-separated list of host:port',
  });

/** A whole number from an environment variable, within [min, max], with a default: plain decimal digits only, empty = unset (env-number.ts). */
export const intInRange = envInt;

const optionalUrl = z
  .string()
  .url('must be a URL')
  .optional()
  .or(z.literal('').transform(() => undefined));

export const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/signalbox';
export const DEFAULT_KAFKA_BROKERS = '127.0.0.1:9092';

/** What every process that touches the database and Kafka shares. */
export const baseEnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATABASE_URL: postgresUrl.default(DEFAULT_DATABASE_URL),
  KAFKA_BROKERS: brokerList.default([DEFAULT_KAFKA_BROKERS]),
  KAFKA_CLIENT_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, dot, dash, underscore; at most 64')
    .default('signalbox'),
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  // The topics this system owns (the demo's, the replay topics) get `<prefix>.` (topic-prefix-env.ts).
  ...topicPrefixEnvSchema.shape,
});

export const consoleEnvSchema = baseEnvSchema
  .extend({
    NEXTAUTH_SECRET: z.preprocess(
      (v) => (v === '' ? undefined : v),
      z.string().min(32, 'must be at least 32 characters (openssl rand -base64 32)').optional(),
    ),
    NEXTAUTH_URL: z.string().url('must be the public URL of the console').default('http://localhost:3000'),
    SIGNIN_MAX_FAILURES: intInRange(1, 100, 5),
    SIGNIN_WINDOW_SECONDS: intInRange(10, 86_400, 900),
    SIGNIN_LOCK_SECONDS: intInRange(1, 86_400, 300),
    // Only behind a reverse proxy that sets X-Forwarded-For: otherwise anyone could
    // send the header and dodge the per-address throttle.
    TRUST_PROXY_HEADERS: z
      .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
      .default('false')
      .transform((v) => v === 'true' || v === '1'),
    // "Open in tracing UI" on the trace timeline; set by operators, never by console users.
    TRACING_UI_URL_TEMPLATE: tracingUiUrlTemplateSchema,
    // The trace timeline reads each consumer's lag samples by its group id.
    ...groupPrefixEnvSchema.shape,
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && !env.NEXTAUTH_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['NEXTAUTH_SECRET'],
        message: 'is required in production (openssl rand -base64 32)',
      });
    }
  });
export type ConsoleEnv = z.infer<typeof consoleEnvSchema>;

export const migrateEnvSchema = baseEnvSchema.pick({ DATABASE_URL: true });

export const userCreateEnvSchema = baseEnvSchema.pick({ DATABASE_URL: true });
