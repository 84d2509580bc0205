// The state change behind pause, resume and cancel: lock the job row, check the
// transition table, write the new state and (through the caller's `audit`) the audit
// record in the same transaction. Role checks and refusals' audit records are the
// use cases' part (lib/app/control-job.ts).
import type { Db, Prisma } from '../adapters/prisma/client';
import type { Role } from '../domain/roles';
import { AppError } from '../errors';
import { isUuid } from '../domain/uuid';
import { commandAlreadyApplied, commandTarget, type JobCommand, type JobState } from './job-state';
import { toJobView, type JobView } from './job-view';

export type AuditWriter = (tx: Prisma.TransactionClient, entry: { from: JobState; to: JobState; kind: string; scope: string }) => Promise<void>;

export async function applyJobCommand(
  db: Db,
  input: { jobId: string; command: JobCommand; audit: AuditWriter },
): Promise<{ job: JobView; changed: boolean }> {
  return db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT 1 FROM background_jobs WHERE id = ${input.jobId}::uuid FOR UPDATE`;
    const row = await tx.backgroundJob.findUnique({ where: { id: input.jobId } });
    if (!row) throw new AppError('not_found', `job ${input.jobId} does not exist`);
    if (commandAlreadyApplied(input.command, row.state)) return { job: toJobView(row), changed: false };
    const to = commandTarget(input.command, row.state);
    if (!to) {
      throw new AppError('conflict', `job ${row.id} is ${row.state}; it cannot be ${input.command === 'cancel' ? 'cancelled' : `${input.command}d`}`, {
        details: { jobId: row.id, state: row.state },
      });
    }
    const updated = await tx.backgroundJob.update({
      where: { id: row.id },
      data: {
        state: to,
        updatedAt: new Date(),
        // Resumed or cancelled before a worker held it: no run may write any more. A
        // pause or a cancel request keeps the run's token: it saves its step, then stops.
        ...(to === 'queued' || to === 'cancelled' ? { runToken: null, workerId: null } : {}),
        ...(to === 'cancelled' ? { finishedAt: new Date() } : {}),
      },
    });
    await input.audit(tx, { from: row.state, to, kind: row.kind, scope: row.scope });
    return { job: toJobView(updated), changed: true };
  });
}

/** The job's kind, scope and the least role that may control it (admin for a kind this process does not know). */
export async function jobAccess(
  db: Db,
  kinds: { get(name: string): { requiredRole: Role } | undefined },
  jobId: string,
): Promise<{ kind: string; scope: string; requiredRole: Role }> {
  const row = isUuid(jobId) ? await db.backgroundJob.findUnique({ where: { id: jobId }, select: { kind: true, scope: true } }) : null;
  if (!row) throw new AppError('not_found', `job ${jobId} does not exist`);
  return { kind: row.kind, scope: row.scope, requiredRole: kinds.get(row.kind)?.requiredRole ?? 'admin' };
}
