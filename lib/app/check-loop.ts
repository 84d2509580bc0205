// The checker's loop: every interval, beat the heartbeat; if this instance holds the
// checker lock, read the inputs, evaluate every check, store states, transitions,
// incidents and queued notifications in one transaction, send due notifications and
// apply retention. A standby takes over within one interval when the active one dies.
// PostgreSQL unreachable: the outage is remembered in memory and written, with its
// real start, as soon as the database answers again.
import type pg from 'pg';
import { isDatabaseUnavailable } from '../adapters/prisma/connection-errors';
import { readCheckInputs } from '../adapters/prisma/checks-inputs';
import { applyEvaluation, pruneCheckHistory } from '../adapters/prisma/checks-store';
import { keepOrTakeLeadership, type Leadership } from '../adapters/prisma/sampler-lock';
import { beat } from '../adapters/prisma/samples-store';
import { evaluateChecks } from '../domain/checks/evaluate';
import { notificationPayload } from '../domain/checks/notification';
import type { Runbook } from '../domain/checks/runbook';
import type { Thresholds } from '../domain/checks/thresholds';
import { errorMessageOf } from '../errors';
import { deliverCheckNotifications, type WebhookConfig } from './deliver-check-notifications';
import { startPeriodicTicks } from './periodic-ticks';

export const CHECKER_KIND = 'checker';
/** Session advisory lock of the one active checker; distinct from SAMPLER_LOCK, PRUNER_LOCK, RELAY_LANE_LOCK. */
export const CHECKER_LOCK = 0x3c4e_c4e5;

export interface CheckLoopOptions {
  pool: pg.Pool;
  instance: string;
  intervalMs: number;
  thresholds: Thresholds;
  groupPrefix: string;
  dlqWindowSeconds: number;
  retentionMs: number;
  /** Check kind → its runbook (for notification links). */
  runbooks: ReadonlyMap<string, Pick<Runbook, 'slug' | 'title'>>;
  consoleUrl: string;
  webhook: WebhookConfig | null;
  now?: () => Date;
  logger: { info(line: string): void; warn(line: string): void };
}

export interface CheckLoop {
  isActive(): boolean;
  /** Runs a tick now (after the one in progress, if any) instead of waiting for the interval (tests). */
  tickNow(): Promise<void>;
  stop(): Promise<void>;
}

export function startCheckLoop(o: CheckLoopOptions): CheckLoop {
  const now = o.now ?? (() => new Date());
  let leadership: Leadership | null = null;
  let outage: { since: Date; error: string } | null = null;
  let ticks = 0;
  const payloadOf = o.webhook
    ? (t: Parameters<typeof notificationPayload>[0]) => notificationPayload(t, o.runbooks.get(t.kind) ?? null, o.consoleUrl)
    : null;

  async function evaluate(): Promise<{ transitions: number }> {
    const at = now();
    let inputs;
    try {
      inputs = await readCheckInputs(o.pool, { now: at, groupPrefix: o.groupPrefix, dlqWindowSeconds: o.dlqWindowSeconds });
    } catch (e) {
      if (isDatabaseUnavailable(e)) outage ??= { since: at, error: errorMessageOf(e) };
      throw e;
    }
    let transitions = 0;
    if (outage) {
      // Back: record the outage with its real start before today's evaluation ends it.
      const down = evaluateChecks({ ...inputs, now: outage.since, postgres: { ok: false, ...outage } }, o.thresholds);
      transitions += (await applyEvaluation(o.pool, down, { now: outage.since, complete: false, payloadOf })).length;
      outage = null;
    }
    transitions += (await applyEvaluation(o.pool, evaluateChecks(inputs, o.thresholds), { now: at, complete: true, payloadOf })).length;
    if (ticks % 60 === 0) await pruneCheckHistory(o.pool, new Date(at.getTime() - o.retentionMs));
    return { transitions };
  }

  async function tick(): Promise<void> {
    const started = Date.now();
    let error: string | null = null;
    let transitions: number | null = null;
    try {
      ({ leadership } = await keepOrTakeLeadership(o.pool, leadership, CHECKER_LOCK, `checker ${o.instance}`, o.logger));
      if (leadership) {
        transitions = (await evaluate()).transitions;
        if (o.webhook) await deliverCheckNotifications(o.pool, o.webhook, now);
      }
    } catch (e) {
      error = errorMessageOf(e);
      if (isDatabaseUnavailable(e)) outage ??= { since: now(), error };
      o.logger.warn(`checker ${o.instance}: tick failed: ${error}`);
    }
    ticks++;
    const details = { role: leadership ? 'active' : 'standby', intervalMs: o.intervalMs, tickMs: Date.now() - started, transitions, error, postgresDownSince: outage?.since.toISOString() ?? null };
    await beat(o.pool, CHECKER_KIND, o.instance, details).catch(() => {});
  }

  const ticker = startPeriodicTicks(tick, o.intervalMs);

  return {
    isActive: () => leadership !== null,
    tickNow: () => ticker.tickNow(),
    async stop() {
      await ticker.stop();
      await leadership?.release().catch(() => {});
      leadership = null;
    },
  };
}
