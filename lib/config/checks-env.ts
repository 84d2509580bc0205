// Configuration of the checker (workers/checks): how often it evaluates, the WARN/CRIT
// thresholds of every check, retention, and the notification webhook. Parsed once at
// its start; a wrong value stops it with a message naming the variable.
import { z } from 'zod';
import { baseEnvSchema, intInRange } from './schemas';
import { envDecimal } from './env-number';
import { groupPrefixEnvSchema } from './group-prefix-env';
import type { Thresholds } from '../domain/checks/thresholds';

const number = envDecimal;

const optionalUrl = z.preprocess(
  (v) => (v === '' ? undefined : v),
  z.string().url('must be an http(s) URL').refine((v) => /^https?:\/\//.test(v), 'must be an http(s) URL').optional(),
);
const optionalSecret = z.preprocess((v) => (v === '' ? undefined : v), z.string().min(32, 'must be at least 32 characters (openssl rand -hex 32)').optional());

/** [warn, crit] pairs that must rise: WARN is reached before CRIT. */
const PAIRS = [
  ['CHECKS_LAG_WARN_SECONDS', 'CHECKS_LAG_CRIT_SECONDS'],
  ['CHECKS_PROJECTION_LAG_WARN_SECONDS', 'CHECKS_PROJECTION_LAG_CRIT_SECONDS'],
  ['CHECKS_DLQ_INFLOW_WARN_PER_MINUTE', 'CHECKS_DLQ_INFLOW_CRIT_PER_MINUTE'],
  ['CHECKS_DLQ_OPEN_WARN', 'CHECKS_DLQ_OPEN_CRIT'],
  ['CHECKS_OUTBOX_BACKLOG_WARN', 'CHECKS_OUTBOX_BACKLOG_CRIT'],
  ['CHECKS_OUTBOX_AGE_WARN_SECONDS', 'CHECKS_OUTBOX_AGE_CRIT_SECONDS'],
  ['CHECKS_HEARTBEAT_WARN_SECONDS', 'CHECKS_HEARTBEAT_CRIT_SECONDS'],
  ['CHECKS_DRIFT_WARN_PERCENT', 'CHECKS_DRIFT_CRIT_PERCENT'],
] as const;

export const checksEnvSchema = baseEnvSchema
  .extend(groupPrefixEnvSchema.shape)
  .extend({
    /** Seconds between two evaluations. */
    CHECKS_INTERVAL_SECONDS: intInRange(1, 3_600, 10),
    CHECKS_LAG_WARN_SECONDS: intInRange(1, 604_800, 60),
    CHECKS_LAG_CRIT_SECONDS: intInRange(1, 604_800, 300),
    CHECKS_PROJECTION_LAG_WARN_SECONDS: intInRange(1, 604_800, 30),
    CHECKS_PROJECTION_LAG_CRIT_SECONDS: intInRange(1, 604_800, 180),
    /** Dead letters per minute per consumer, averaged over CHECKS_DLQ_INFLOW_WINDOW_SECONDS. */
    CHECKS_DLQ_INFLOW_WINDOW_SECONDS: intInRange(60, 86_400, 300),
    CHECKS_DLQ_INFLOW_WARN_PER_MINUTE: number(0.01, 1_000_000, 5),
    CHECKS_DLQ_INFLOW_CRIT_PER_MINUTE: number(0.01, 1_000_000, 30),
    CHECKS_DLQ_OPEN_WARN: intInRange(1, 100_000_000, 100),
    CHECKS_DLQ_OPEN_CRIT: intInRange(1, 100_000_000, 1_000),
    CHECKS_OUTBOX_BACKLOG_WARN: intInRange(1, 100_000_000, 1_000),
    CHECKS_OUTBOX_BACKLOG_CRIT: intInRange(1, 100_000_000, 10_000),
    CHECKS_OUTBOX_AGE_WARN_SECONDS: intInRange(1, 604_800, 30),
    CHECKS_OUTBOX_AGE_CRIT_SECONDS: intInRange(1, 604_800, 120),
    /** Age of a process heartbeat (relay, lag sampler) past which it is WARN / CRIT. */
    CHECKS_HEARTBEAT_WARN_SECONDS: intInRange(1, 86_400, 30),
    CHECKS_HEARTBEAT_CRIT_SECONDS: intInRange(1, 86_400, 90),
    /** Share of rows that differ in a projection's latest drift report. */
    CHECKS_DRIFT_WARN_PERCENT: number(0, 100, 0),
    CHECKS_DRIFT_CRIT_PERCENT: number(0, 100, 1),
    /** Transitions, closed incidents and webhook deliveries are kept this long. */
    CHECKS_RETENTION_DAYS: intInRange(1, 3_650, 30),
    /** Notifications: POSTed on every state change when set (server configuration only). */
    CHECKS_WEBHOOK_URL: optionalUrl,
    CHECKS_WEBHOOK_SECRET: optionalSecret,
    CHECKS_WEBHOOK_MAX_ATTEMPTS: intInRange(1, 50, 8),
    CHECKS_WEBHOOK_TIMEOUT_MS: intInRange(100, 60_000, 5_000),
    /** Where runbook links in notifications point (the console's public URL). */
    NEXTAUTH_URL: z.string().url('must be the public URL of the console').default('http://localhost:3000'),
  })
  .superRefine((env, ctx) => {
    for (const [warn, crit] of PAIRS) {
      if (env[warn] > env[crit]) ctx.addIssue({ code: 'custom', path: [crit], message: `must be at least ${warn} (${env[warn]})` });
    }
    if (env.CHECKS_WEBHOOK_URL && !env.CHECKS_WEBHOOK_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['CHECKS_WEBHOOK_SECRET'], message: 'is required when CHECKS_WEBHOOK_URL is set (receivers verify the signature)' });
    }
  });
export type ChecksEnv = z.infer<typeof checksEnvSchema>;

/** The thresholds the pure check rules take (lib/domain/checks). */
export function thresholdsOf(env: ChecksEnv): Thresholds {
  return {
    lagSeconds: { warn: env.CHECKS_LAG_WARN_SECONDS, crit: env.CHECKS_LAG_CRIT_SECONDS },
    projectionLagSeconds: { warn: env.CHECKS_PROJECTION_LAG_WARN_SECONDS, crit: env.CHECKS_PROJECTION_LAG_CRIT_SECONDS },
    dlqInflowPerMinute: { warn: env.CHECKS_DLQ_INFLOW_WARN_PER_MINUTE, crit: env.CHECKS_DLQ_INFLOW_CRIT_PER_MINUTE },
    dlqOpen: { warn: env.CHECKS_DLQ_OPEN_WARN, crit: env.CHECKS_DLQ_OPEN_CRIT },
    outboxBacklog: { warn: env.CHECKS_OUTBOX_BACKLOG_WARN, crit: env.CHECKS_OUTBOX_BACKLOG_CRIT },
    outboxAgeSeconds: { warn: env.CHECKS_OUTBOX_AGE_WARN_SECONDS, crit: env.CHECKS_OUTBOX_AGE_CRIT_SECONDS },
    heartbeatSeconds: { warn: env.CHECKS_HEARTBEAT_WARN_SECONDS, crit: env.CHECKS_HEARTBEAT_CRIT_SECONDS },
    driftPercent: { warn: env.CHECKS_DRIFT_WARN_PERCENT, crit: env.CHECKS_DRIFT_CRIT_PERCENT },
  };
}
