// What the console's DLQ routes and pages pass to the DLQ use cases: the job deps
// plus the replay limits from DLQ_* (parsed once per server process), and the event
// registry edits are checked against.
import { dlqEnvSchema, type DlqEnv } from '../config/dlq-env';
import { parseEnv } from '../config/parse-env';
import { createOrderEventRegistry } from '../demo/orders/events';
import type { EventRegistry } from '../domain/events/registry';
import type { ReplayDeps } from '../app/replay-dlq-messages';
import type { ConsoleContext } from './context';
import { consoleJobDeps } from './job-deps';

let env: DlqEnv | undefined;
let registry: EventRegistry | undefined;

export function dlqLimitsOf(e: DlqEnv): ReplayDeps['limits'] {
  return {
    confirmOver: e.DLQ_REPLAY_CONFIRM_OVER, approvalOver: e.DLQ_REPLAY_APPROVAL_OVER, rateCap: e.DLQ_REPLAY_RATE_CAP,
    canary: e.DLQ_REPLAY_CANARY, maxInFlight: e.DLQ_REPLAY_MAX_IN_FLIGHT, canaryTimeoutMs: e.DLQ_REPLAY_CANARY_TIMEOUT_MS,
    actionsPerMinute: e.DLQ_ACTIONS_PER_MINUTE,
  };
}

export function consoleDlqDeps(ctx: ConsoleContext): ReplayDeps & { registry: EventRegistry; actionsPerMinute: number } {
  env ??= parseEnv(dlqEnvSchema, process.env, 'console');
  registry ??= createOrderEventRegistry() as unknown as EventRegistry;
  const limits = dlqLimitsOf(env);
  return { ...consoleJobDeps(ctx), limits, now: ctx.now, registry, actionsPerMinute: limits.actionsPerMinute };
}
