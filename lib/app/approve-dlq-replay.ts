// ApproveDlqReplay: the second person on a replay above DLQ_REPLAY_APPROVAL_OVER.
// An admin who did not request it records `dlq.replay.approve` on the job; the job
// waits for that record before it sends anything (lib/jobs/kinds/dlq-replay-waits.ts).
import type { Db } from '../adapters/prisma/client';
import type { SessionUser } from '../domain/session-user';
import { AppError } from '../errors';
import { isUuid } from '../domain/uuid';
import { requireDlqRole } from './dlq-guard';
import { recordAudit } from './record-audit';

export async function approveDlqReplay(db: Db, actor: SessionUser, jobId: string) {
  await requireDlqRole(db, actor, 'dlq.approve', jobId);
  if (!isUuid(jobId)) throw new AppError('not_found', `No replay job ${jobId}.`);
  return db.$transaction(async (tx) => {
    const [job] = await tx.$queryRawUnsafe<{ id: string; kind: string; state: string; params: { requestedBy?: string; needsApproval?: boolean } }[]>(
      'SELECT id, kind, state, params FROM background_jobs WHERE id = $1::uuid FOR UPDATE', jobId);
    if (!job || job.kind !== 'dlq.replay') throw new AppError('not_found', `No replay job ${jobId}.`);
    if (!job.params.needsApproval) throw new AppError('conflict', 'This replay needs no approval.');
    if (job.params.requestedBy === actor.email) throw new AppError('forbidden', 'A second person must approve: you requested this replay.');
    const done = await tx.auditEntry.findFirst({ where: { action: 'dlq.replay.approve', target: jobId, outcome: 'ok' } });
    if (done) return { jobId, approvedBy: done.actorEmail, created: false };
    await recordAudit(tx, { actor, action: 'dlq.replay.approve', target: jobId, outcome: 'ok', details: { requestedBy: job.params.requestedBy } });
    return { jobId, approvedBy: actor.email, created: true };
  });
}
