import { z } from 'zod';
import type { Db, Prisma } from '../adapters/prisma/client';
import { hasRole } from '../domain/roles';
import type { SessionUser } from '../domain/session-user';
import { AppError } from '../errors';
import type { JobKindRegistry } from '../jobs/job-kind';
import type { JobEnqueuer } from '../jobs/job-queue';
import { activeJobStates } from '../jobs/job-state';
import { toJobView, type JobView } from '../jobs/job-view';
import { recordAudit } from './record-audit';

export const startJobRequestSchema = z.object({
  kind: z.string().min(1).max(100),
  params: z.unknown(),
  /** Sent again with the same request (a double click, a retried POST), it returns the first job. */
  idempotencyKey: z.string().trim().min(8).max(200).optional(),
});
export type StartJobRequest = z.infer<typeof startJobRequestSchema>;

/** What starting a job needs: the database, the kinds this console knows, and the queue that wakes a worker. */
export interface StartJobDeps {
  db: Db;
  kinds: JobKindRegistry;
  queue?: JobEnqueuer;
}

/**
 * Starts a background job of a registered kind: checks the kind's role, validates
 * the parameters with its schema, derives the scope, and inserts the job with its
 * audit record in one transaction. One active job per scope (a conflict names the
 * active one); the same idempotency key returns the job it started the first time.
 */
export async function startJob(
  deps: StartJobDeps,
  actor: SessionUser,
  input: StartJobRequest,
  /** More writes of the caller's use case, in the transaction that inserts the job (e.g. its own audit record). */
  options: { inTransaction?: (tx: Prisma.TransactionClient, jobId: string) => Promise<void> } = {},
): Promise<{ job: JobView; created: boolean }> {
  const { db } = deps;
  const checked = await checkJobRequest(deps, actor, input);
  const replayed = await sameRequest(db, checked.key, checked.kind, checked.scope);
  if (replayed) return { job: replayed, created: false };
  try {
    const row = await db.$transaction(async (tx) => {
      const created = await insertJob(tx, actor, checked);
      await options.inTransaction?.(tx, created.id);
      return created;
    });
    // After the commit; if this fails, the workers' sweep delivers it (docs/jobs.md).
    await deps.queue?.enqueue(row.id).catch(() => undefined);
    return { job: toJobView(row), created: true };
  } catch (error) {
    // Lost a race: the same request committed first, or another job holds the scope.
    const first = await sameRequest(db, checked.key, checked.kind, checked.scope);
    if (first) return { job: first, created: false };
    throw await activeJobConflict(db, actor, checked, error);
  }
}

/** A job request checked for its kind's role and parameters, ready to insert. */
export interface CheckedJobRequest {
  kind: string;
  scope: string;
  params: Prisma.InputJsonValue;
  key: string | null;
}

/** Validates a job request: its kind, the actor's role for it (a refusal is audited), its parameters. */
export async function checkJobRequest(deps: StartJobDeps, actor: SessionUser, input: StartJobRequest): Promise<CheckedJobRequest> {
  const checked = startJobRequestSchema.safeParse(input);
  if (!checked.success) throw new AppError('bad_request', `invalid job request: ${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const request = checked.data;
  const kind = deps.kinds.require(request.kind);
  if (!hasRole(actor.role, kind.requiredRole)) {
    await recordAudit(deps.db, { actor, action: 'job.start', target: kind.name, outcome: 'denied', details: { kind: kind.name, requiredRole: kind.requiredRole } });
    throw new AppError('forbidden', `starting a ${kind.name} job needs the ${kind.requiredRole} role`);
  }
  const parsed = kind.params.safeParse(request.params);
  if (!parsed.success) {
    throw new AppError('bad_request', `invalid parameters for ${kind.name}`, {
      details: { issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
    });
  }
  return { kind: kind.name, scope: kind.scope(parsed.data), params: parsed.data as Prisma.InputJsonValue, key: request.idempotencyKey ?? null };
}

/** Inserts a checked job and its `job.start` audit record, in the caller's transaction. */
export async function insertJob(tx: Prisma.TransactionClient, actor: SessionUser, job: CheckedJobRequest) {
  const created = await tx.backgroundJob.create({ data: { kind: job.kind, scope: job.scope, params: job.params, createdBy: actor.id, idempotencyKey: job.key } });
  await recordAudit(tx, { actor, action: 'job.start', target: created.id, outcome: 'ok', details: { kind: job.kind, scope: job.scope, params: job.params, idempotencyKey: job.key } });
  return created;
}

/** The error for an insert that failed: a conflict naming the active job of the scope (audited), else `error` itself. */
export async function activeJobConflict(db: Db, actor: SessionUser, job: CheckedJobRequest, error: unknown): Promise<unknown> {
  const active = await db.backgroundJob.findFirst({ where: { scope: job.scope, state: { in: [...activeJobStates] } } });
  if (!active) return error;
  await recordAudit(db, { actor, action: 'job.start', target: job.kind, outcome: 'failed', details: { kind: job.kind, scope: job.scope, activeJobId: active.id } });
  return new AppError('conflict', `${job.scope} already has an active job: ${active.id} (${active.kind}, ${active.state}); wait for it, or cancel it first`, {
    details: { scope: job.scope, activeJobId: active.id, activeState: active.state },
  });
}

/** The job an earlier request with this idempotency key started, when it was the same kind and scope. */
async function sameRequest(db: Db, key: string | null, kind: string, scope: string): Promise<JobView | null> {
  if (!key) return null;
  const row = await db.backgroundJob.findUnique({ where: { idempotencyKey: key } });
  if (!row) return null;
  if (row.kind !== kind || row.scope !== scope) {
    throw new AppError('conflict', `idempotency key already used for another request (job ${row.id}, ${row.kind} on ${row.scope})`, { details: { jobId: row.id } });
  }
  return toJobView(row);
}
