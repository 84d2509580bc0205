// Scheduled drift checks (PROJECTION_DRIFT_EVERY_MIN, docs/projections.md "Scheduled
// checks"): every tick, the jobs worker asks whether a projection is due and starts
// at most one `projection.drift-check` job for it, on the one job runner like a check
// started from the console. The decision is lib/domain/drift/schedule.ts; here one
// transaction holds a transaction-level advisory lock (one scheduler decides at a
// time, however many jobs workers run), reads each projection's last check and the
// jobs holding its scope, and inserts the job with its audit record. The wake-up is
// sent after the commit; if it is lost, the workers' sweep delivers the job.
import type { Db, Prisma } from '../adapters/prisma/client';
import { nextScheduledDriftCheck, scheduledDriftKey, SCHEDULED_DRIFT_KEY_PREFIX, type DriftScheduleDecision } from '../domain/drift/schedule';
import { errorMessageOf } from '../errors';
import type { JobKindRegistry } from '../jobs/job-kind';
import type { JobEnqueuer } from '../jobs/job-queue';
import { activeJobStates } from '../jobs/job-state';
import { startPeriodicTicks, type PeriodicTicks } from './periodic-ticks';
import { recordAudit, type AuditActor } from './record-audit';

export const DRIFT_CHECK_KIND = 'projection.drift-check';
/** Transaction advisory lock of the scheduler's decision; distinct from the other locks (CHECKER_LOCK, SAMPLER_LOCK, …). */
export const DRIFT_SCHEDULE_LOCK = 0x0d21_f75c;
/** Who starts scheduled checks, in the audit log and the job's key. */
export const driftScheduleActor: AuditActor = { id: null, email: 'schedule:projection-drift', role: 'system' };

export interface DriftScheduleDeps {
  db: Db;
  kinds: JobKindRegistry;
  queue?: JobEnqueuer;
}

export type DriftScheduleTick = (DriftScheduleDecision & { jobId?: string }) | { start: null; reason: 'another scheduler holds the lock' | 'lost a race'; skipped: string[] };

/** One decision: starts the due projection's drift check, if any; returns what it did. */
export async function scheduleDriftCheck(deps: DriftScheduleDeps, options: { everyMs: number; now?: Date }): Promise<DriftScheduleTick> {
  const now = options.now ?? new Date();
  const kind = deps.kinds.require(DRIFT_CHECK_KIND);
  const active = [...activeJobStates];
  let outcome: DriftScheduleTick;
  try {
    outcome = await deps.db.$transaction(async (tx): Promise<DriftScheduleTick> => {
      const [lock] = await tx.$queryRaw<Array<{ locked: boolean }>>`SELECT pg_try_advisory_xact_lock(${DRIFT_SCHEDULE_LOCK}) AS locked`;
      if (!lock?.locked) return { start: null, reason: 'another scheduler holds the lock', skipped: [] };
      const names = (await tx.$queryRawUnsafe<Array<{ projection: string }>>(`SELECT projection FROM projection_registry ORDER BY projection`))
        .map((r) => r.projection)
        .filter((projection) => kind.params.safeParse({ projection }).success);
      const scopes = names.map((projection) => kind.scope({ projection }));
      const rows = await tx.$queryRawUnsafe<Array<{ projection: string; last_check_at: Date | null; active_kind: string | null }>>(
        `SELECT p.projection,
           greatest((SELECT max(d.started_at) FROM drift_reports d WHERE d.projection = p.projection),
                    (SELECT max(j.created_at) FROM background_jobs j WHERE j.scope = p.scope AND j.kind = $3)) AS last_check_at,
           (SELECT j.kind FROM background_jobs j WHERE j.scope = p.scope AND j.state::text = ANY($4::text[]) LIMIT 1) AS active_kind
         FROM unnest($1::text[], $2::text[]) AS p(projection, scope)`,
        names, scopes, kind.name, active,
      );
      const [running] = await tx.$queryRawUnsafe<Array<{ any: boolean }>>(
        `SELECT EXISTS (SELECT 1 FROM background_jobs WHERE state::text = ANY($1::text[]) AND kind = $2 AND idempotency_key LIKE $3) AS any`,
        active, kind.name, `${SCHEDULED_DRIFT_KEY_PREFIX}%`,
      );
      const decision = nextScheduledDriftCheck({
        projections: rows.map((r) => ({ projection: r.projection, lastCheckAt: r.last_check_at ? new Date(r.last_check_at) : null, activeJobKind: r.active_kind })),
        scheduledActive: running?.any === true,
        everyMs: options.everyMs,
        now,
      });
      if (decision.start === null) return decision;
      const params = { projection: decision.start } as Prisma.InputJsonValue;
      const scope = kind.scope({ projection: decision.start });
      const idempotencyKey = scheduledDriftKey(decision.start, options.everyMs, now);
      const job = await tx.backgroundJob.create({ data: { kind: kind.name, scope, params, createdBy: null, idempotencyKey } });
      await recordAudit(tx, {
        actor: driftScheduleActor, action: 'job.start', target: job.id, outcome: 'ok',
        details: { kind: kind.name, scope, params, idempotencyKey, schedule: { everyMinutes: options.everyMs / 60_000, reason: decision.reason } },
      });
      return { ...decision, jobId: job.id };
    }, { timeout: 30_000, maxWait: 10_000 });
  } catch (error) {
    // A check started from the console (or a second slot's key) between our read and insert: the unique scope index refused ours.
    if (/unique constraint|Unique constraint|P2002|23505/i.test(errorMessageOf(error))) return { start: null, reason: 'lost a race', skipped: [] };
    throw error;
  }
  if (outcome.start !== null && 'jobId' in outcome && outcome.jobId) await deps.queue?.enqueue(outcome.jobId).catch(() => undefined);
  return outcome;
}

/**
 * Decides every `tickMs` (default: a thirtieth of the period, between 1 s and 30 s), so a
 * projection is checked within one tick of being due; on the loops' shared schedule
 * (startPeriodicTicks). Errors (a database outage) are logged and the next tick tries again.
 */
export function startDriftSchedule(
  deps: DriftScheduleDeps,
  options: { everyMs: number; tickMs?: number; logger: { info(line: string): void; warn(line: string): void } },
): PeriodicTicks {
  const tickMs = options.tickMs ?? Math.min(30_000, Math.max(1_000, Math.floor(options.everyMs / 30)));
  return startPeriodicTicks(async () => {
    try {
      const t = await scheduleDriftCheck(deps, { everyMs: options.everyMs });
      if (t.start !== null) options.logger.info(`drift schedule: started a drift check of ${t.start} (${t.reason})`);
    } catch (error) {
      options.logger.warn(`drift schedule: ${errorMessageOf(error)}; trying again in ${tickMs} ms`);
    }
  }, tickMs);
}
