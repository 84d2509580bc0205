// DiscardDlqMessages: an operator gives up on open dead letters, with a reason.
// Status change (the cause counts follow through the trigger) and audit record in
// one transaction, under the per-user throttle. Sequenced dead-lettering: the
// events parked behind a discarded row are released in the same transaction (per
// subject the earliest becomes open, the rest wait behind it) and, when the caller
// can start jobs, a replay of them is started at once, so they reach the consumer in
// their original order.
import { z } from 'zod';
import type { Db } from '../adapters/prisma/client';
import { releasePlan } from '../domain/dlq/sequencing';
import { operatorText } from '../domain/operator-text';
import type { SessionUser } from '../domain/session-user';
import { AppError, isAppError } from '../errors';
import type { JobKindRegistry } from '../jobs/job-kind';
import type { JobEnqueuer } from '../jobs/job-queue';
import { requireDlqRole, throttleDlq } from './dlq-guard';
import { recordAudit } from './record-audit';
import { startJob } from './start-job';

export const discardRequestSchema = z.strictObject({
  ids: z.array(z.uuid()).min(1).max(1_000),
  reason: operatorText(3, 1_000, 'say why (at least 3 characters)'),
});
export type DiscardRequest = z.infer<typeof discardRequestSchema>;

export interface DiscardDeps {
  db: Db;
  actionsPerMinute: number;
  now: () => Date;
  /** To replay released parked events at once; without it they are left open for an operator to replay. */
  kinds?: JobKindRegistry;
  queue?: JobEnqueuer;
  limits?: { canaryTimeoutMs: number; maxInFlight: number };
}

export interface DiscardOutcome {
  discarded: number;
  requested: number;
  /** Parked events released by the discard. */
  released: number;
  /** Replay jobs started for them (one per consumer). */
  releaseJobs: { consumer: string; jobId: string }[];
  /** Why released events were not replayed at once (e.g. a replay already runs for the consumer). */
  releaseNote?: string;
}

export async function discardDlqMessages(deps: DiscardDeps, actor: SessionUser, input: DiscardRequest): Promise<DiscardOutcome> {
  const parsed = discardRequestSchema.safeParse(input);
  if (!parsed.success) throw new AppError('bad_request', `invalid discard: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const { ids, reason } = parsed.data;
  await requireDlqRole(deps.db, actor, 'dlq.discard', ids.length === 1 ? ids[0] : undefined);
  const outcome = await deps.db.$transaction(async (tx) => {
    await throttleDlq(tx, actor, deps.actionsPerMinute, deps.now());
    // Open rows, and parked ones (an operator may drop a waiting event too).
    const changed = await tx.$queryRawUnsafe<{ id: string }[]>(
      `UPDATE dlq_messages SET status = 'discarded', status_changed_at = $2 WHERE id = ANY($1::uuid[]) AND status IN ('open', 'parked') RETURNING id::text`,
      ids, deps.now());
    if (changed.length === 0) throw new AppError('conflict', 'Nothing discarded: none of these messages is open (resolved, discarded or being replayed).');
    const waiting = await tx.$queryRawUnsafe<{ id: string; consumer: string; subject: string | null; topic: string; partition: number; offset: bigint }[]>(
      `SELECT id::text, consumer, subject, topic, partition, "offset" FROM dlq_messages WHERE parked_behind = ANY($1::uuid[]) AND status = 'parked' FOR UPDATE`,
      changed.map((c) => c.id));
    const plan = releasePlan(waiting);
    if (plan.heads.length) {
      await tx.$executeRawUnsafe(`UPDATE dlq_messages SET status = 'open', parked_behind = NULL, status_changed_at = $2 WHERE id = ANY($1::uuid[])`, plan.heads.map((h) => h.id), deps.now());
    }
    for (const b of plan.behind) {
      await tx.$executeRawUnsafe('UPDATE dlq_messages SET parked_behind = $2::uuid WHERE id = $1::uuid', b.id, b.head);
    }
    await recordAudit(tx, {
      actor, action: 'dlq.discard', target: ids.length === 1 ? ids[0] : `${ids.length} messages`, outcome: 'ok',
      details: { ids: ids.slice(0, 100), requested: ids.length, discarded: changed.length, reason, released: waiting.length },
    });
    return { discarded: changed.length, requested: ids.length, released: waiting.length, heads: plan.heads };
  });
  const result: DiscardOutcome = { discarded: outcome.discarded, requested: outcome.requested, released: outcome.released, releaseJobs: [] };
  if (outcome.heads.length === 0) return result;
  if (!deps.kinds || !deps.limits) {
    result.releaseNote = `${outcome.released} parked events were released and are open: replay them (their subject's first one first).`;
    return result;
  }
  const byConsumer = new Map<string, string[]>();
  for (const h of outcome.heads) byConsumer.set(h.consumer, [...(byConsumer.get(h.consumer) ?? []), h.id]);
  for (const [consumer, headIds] of byConsumer) {
    const params = {
      consumer, selection: { by: 'ids' as const, ids: headIds }, ratePerSecond: 200, canary: 0,
      maxInFlight: deps.limits.maxInFlight, canaryTimeoutMs: deps.limits.canaryTimeoutMs, needsApproval: false, requestedBy: actor.email,
    };
    try {
      const { job } = await startJob({ db: deps.db, kinds: deps.kinds, queue: deps.queue }, actor, { kind: 'dlq.replay', params }, {
        inTransaction: (tx, jobId) => recordAudit(tx, { actor, action: 'dlq.replay', target: jobId, outcome: 'ok', details: { consumer, scope: 'released by a discard', count: headIds.length, rate: 200, gate: 'none' } }),
      });
      result.releaseJobs.push({ consumer, jobId: job.id });
    } catch (error) {
      if (!isAppError(error) || error.code !== 'conflict') throw error;
      result.releaseNote = `Released events of ${consumer} are open; ${error.message}: replay them when it ends.`;
    }
  }
  return result;
}
