// ReplayDlqMessages: previews the selection, checks role, throttle and the size
// gate (typed confirmation; admin approval above the larger limit), then starts one
// `dlq.replay` job per consumer that failed (one active replay per consumer). The
// same idempotency key returns the jobs of the first request.
import { z } from 'zod';
import { replaySelectionSchema } from '../domain/dlq/selection';
import { REPLAY_RATE_DEFAULT, REPLAY_RATE_MAX } from '../domain/dlq/token-bucket';
import { mayPerform } from '../domain/roles';
import type { SessionUser } from '../domain/session-user';
import { AppError } from '../errors';
import { toJobView, type JobView } from '../jobs/job-view';
import { requireDlqRole, throttleDlq } from './dlq-guard';
import { getDlqRateCap } from '../read/get-dlq-rate-cap';
import { previewDlqReplay, type ReplayLimits, type ReplayPreview } from './preview-dlq-replay';
import { recordAudit } from './record-audit';
import { startJob, type StartJobDeps } from './start-job';

export const replayRequestSchema = z.object({
  selection: replaySelectionSchema,
  dryRun: z.boolean().default(false),
  /** The preview's confirmText, typed back, when its gate is `typed` or `approval`. */
  confirm: z.string().max(100).optional(),
  ratePerSecond: z.number().int().min(1).max(REPLAY_RATE_MAX).optional(),
  canary: z.number().int().min(0).max(10_000).optional(),
  idempotencyKey: z.string().trim().min(8).max(150).optional(),
});
export type ReplayRequest = z.input<typeof replayRequestSchema>;

export interface ReplayDeps extends StartJobDeps {
  limits: ReplayLimits & { rateCap: number; canary: number; maxInFlight: number; canaryTimeoutMs: number; actionsPerMinute: number };
  now: () => Date;
}

export type ReplayOutcome = { preview: ReplayPreview; jobs: { consumer: string; job: JobView; created: boolean }[] };

export async function replayDlqMessages(deps: ReplayDeps, actor: SessionUser, input: ReplayRequest): Promise<ReplayOutcome> {
  const parsed = replayRequestSchema.safeParse(input);
  if (!parsed.success) throw new AppError('bad_request', `invalid replay request: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const request = parsed.data;
  const { db, limits } = deps;
  await requireDlqRole(db, actor, 'dlq.replay');
  const preview = await previewDlqReplay(db, limits, request.selection);
  if (request.dryRun) return { preview, jobs: [] };
  if (request.idempotencyKey) {
    // A request sent again (double click, retried POST): the jobs it started, whatever is open now.
    const first = await db.backgroundJob.findMany({ where: { kind: 'dlq.replay', idempotencyKey: { startsWith: `${request.idempotencyKey}:` } }, orderBy: { createdAt: 'asc' } });
    if (first.length > 0) {
      return { preview, jobs: first.map((row) => ({ consumer: (row.params as { consumer: string }).consumer, job: toJobView(row), created: false })) };
    }
  }
  if (preview.count === 0) throw new AppError('conflict', 'Nothing to replay: no open message matches (already resolved, discarded or being replayed).');
  if (preview.gate !== 'none' && request.confirm !== preview.confirmText) {
    throw new AppError('bad_request', `This replays ${preview.count} messages: type "${preview.confirmText}" to confirm.`, { details: { gate: preview.gate, confirmText: preview.confirmText } });
  }
  // The cap an admin set at runtime, else the environment's.
  const { rateCap } = await getDlqRateCap(db, limits.rateCap);
  const rate = request.ratePerSecond ?? Math.min(REPLAY_RATE_DEFAULT, rateCap);
  if (rate > rateCap) throw new AppError('bad_request', `The replay rate cap is ${rateCap}/s.`);
  if (rate > REPLAY_RATE_DEFAULT) await requireDlqRole(db, actor, 'dlq.rate.update');
  await db.$transaction((tx) => throttleDlq(tx, actor, limits.actionsPerMinute, deps.now()));
  return startAll(deps, actor, request, preview, rate);
}

async function startAll(deps: ReplayDeps, actor: SessionUser, request: z.output<typeof replayRequestSchema>, preview: ReplayPreview, rate: number): Promise<ReplayOutcome> {
  const { limits } = deps;
  const jobs: ReplayOutcome['jobs'] = [];
  const needsApproval = preview.gate === 'approval';
  for (const [index, { consumer }] of preview.consumers.entries()) {
    const params = {
      consumer, selection: request.selection, ratePerSecond: rate, canary: request.canary ?? limits.canary,
      maxInFlight: limits.maxInFlight, canaryTimeoutMs: limits.canaryTimeoutMs, needsApproval, requestedBy: actor.email,
    };
    const idempotencyKey = request.idempotencyKey ? `${request.idempotencyKey}:${consumer}` : undefined;
    // The dlq.replay record commits with the job (and its job.start record), or neither does.
    const { job, created } = await startJob(deps, actor, { kind: 'dlq.replay', params, idempotencyKey }, {
      inTransaction: async (tx, jobId) => {
        // The throttle again, under its lock in the transaction that writes the audit entry it counts:
        // the check above alone let concurrent requests all pass before any entry committed.
        if (index === 0) await throttleDlq(tx, actor, limits.actionsPerMinute, deps.now());
        await recordAudit(tx, {
          actor, action: 'dlq.replay', target: jobId, outcome: 'ok',
          details: { consumer, scope: preview.selection, count: preview.consumers.find((c) => c.consumer === consumer)?.count, parked: preview.parked, rate, approval: needsApproval ? 'required' : 'none', gate: preview.gate },
        });
      },
    });
    jobs.push({ consumer, job, created });
  }
  return { preview, jobs };
}

/** Whether `actor` may see the replay buttons (the server checks again). */
export const mayReplay = (actor: SessionUser) => mayPerform(actor.role, 'dlq.replay');
