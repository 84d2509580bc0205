// ReplayDlqMessages: previews the selection, checks role, throttle and the size
// gate (typed confirmation; admin approval above the larger limit), then starts one
// `dlq.replay` job per consumer that failed (one active replay per consumer), all in
// one transaction with the request-wide limits (throttle, rate cap). The same
// idempotency key returns the jobs of the first request.
import { z } from 'zod';
import { replaySelectionSchema } from '../domain/dlq/selection';
import { REPLAY_RATE_DEFAULT, REPLAY_RATE_MAX } from '../domain/dlq/token-bucket';
import { requestRateOf } from '../domain/dlq/replay-rules';
import type { Db, Prisma } from '../adapters/prisma/client';
import { mayPerform } from '../domain/roles';
import type { SessionUser } from '../domain/session-user';
import { AppError, isAppError } from '../errors';
import { toJobView, type JobView } from '../jobs/job-view';
import { requireDlqRole, throttleDlq } from './dlq-guard';
import { getDlqRateCap } from '../read/get-dlq-rate-cap';
import { previewDlqReplay, type ReplayLimits, type ReplayPreview } from './preview-dlq-replay';
import { recordAudit } from './record-audit';
import { activeJobConflict, checkJobRequest, insertJob, type StartJobDeps } from './start-job';

/** Strict: a misspelt `dryRun` must not start a real replay. */
export const replayRequestSchema = z.strictObject({
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
    const first = await jobsOfRequest(db, request.idempotencyKey);
    if (first.length > 0) return { preview, jobs: first };
  }
  if (preview.count === 0) throw new AppError('conflict', 'Nothing to replay: no open message matches (already resolved, discarded or being replayed).');
  if (preview.gate !== 'none' && request.confirm !== preview.confirmText) {
    throw new AppError('bad_request', `This replays ${preview.count} messages: type "${preview.confirmText}" to confirm.`, { details: { gate: preview.gate, confirmText: preview.confirmText } });
  }
  // Checked here for a quick answer, and again, under locks, in the transaction that starts the jobs.
  const { rateCap } = await getDlqRateCap(db, limits.rateCap);
  const rate = rateOrRefuse(request.ratePerSecond, preview.consumers.length, rateCap);
  if (rate > REPLAY_RATE_DEFAULT) await requireDlqRole(db, actor, 'dlq.rate.update');
  await db.$transaction((tx) => throttleDlq(tx, actor, limits.actionsPerMinute, deps.now(), preview.consumers.length));
  return startAll(deps, actor, request, preview, rate);
}

function rateOrRefuse(requested: number | undefined, jobs: number, cap: number): number {
  const plan = requestRateOf(requested, jobs, cap, REPLAY_RATE_DEFAULT);
  if (!plan.ok) throw new AppError('bad_request', plan.message, { details: { rateCap: cap, jobs } });
  return plan.rate;
}

/** The cap in force, read under a share lock: an admin's change waits for this transaction (and the reverse). */
async function lockedRateCap(tx: Prisma.TransactionClient, envCap: number): Promise<number> {
  const [row] = await tx.$queryRawUnsafe<{ rate_cap: number }[]>('SELECT rate_cap FROM dlq_settings WHERE id = 1 FOR SHARE');
  return row?.rate_cap ?? envCap;
}

/**
 * One job per consumer, all in ONE transaction with the checks that limit the request as
 * a whole: the per-user throttle counts every job's dlq.replay record (N consumers = N
 * actions), and the jobs' rates together stay within the cap in force (read under lock).
 * Either every job starts or none does (another job holding a consumer's scope refuses
 * the whole request).
 */
async function startAll(deps: ReplayDeps, actor: SessionUser, request: z.output<typeof replayRequestSchema>, preview: ReplayPreview, requestedRate: number): Promise<ReplayOutcome> {
  const { db, limits } = deps;
  const needsApproval = preview.gate === 'approval';
  const requestJobs = preview.consumers.length;
  const checked = await Promise.all(preview.consumers.map(({ consumer }) => checkJobRequest(deps, actor, {
    kind: 'dlq.replay',
    params: {
      consumer, selection: request.selection, ratePerSecond: requestedRate, requestJobs, canary: request.canary ?? limits.canary,
      maxInFlight: limits.maxInFlight, canaryTimeoutMs: limits.canaryTimeoutMs, needsApproval, requestedBy: actor.email,
    },
    idempotencyKey: request.idempotencyKey ? `${request.idempotencyKey}:${consumer}` : undefined,
  })));
  let rows: Awaited<ReturnType<typeof insertJob>>[];
  try {
    rows = await db.$transaction(async (tx) => {
      await throttleDlq(tx, actor, limits.actionsPerMinute, deps.now(), requestJobs);
      const rate = rateOrRefuse(request.ratePerSecond, requestJobs, await lockedRateCap(tx, limits.rateCap));
      if (rate !== requestedRate) throw new AppError('conflict', `The replay rate cap changed while this request was checked; send it again (now ${rate}/s each).`);
      const inserted = [];
      for (const [index, { consumer, count }] of preview.consumers.entries()) {
        const job = await insertJob(tx, actor, checked[index]!);
        await recordAudit(tx, {
          actor, action: 'dlq.replay', target: job.id, outcome: 'ok',
          details: { consumer, scope: preview.selection, count, parked: preview.parked, rate, requestJobs, approval: needsApproval ? 'required' : 'none', gate: preview.gate },
        });
        inserted.push(job);
      }
      return inserted;
    });
  } catch (error) {
    if (isAppError(error)) throw error;
    // Lost a race: the same request committed first (its jobs are returned), or another job holds a consumer's scope.
    const first = request.idempotencyKey ? await jobsOfRequest(db, request.idempotencyKey) : [];
    if (first.length > 0) return { preview, jobs: first };
    for (const job of checked) {
      const conflict = await activeJobConflict(db, actor, job, null);
      if (conflict) throw conflict;
    }
    throw error;
  }
  // After the commit; if this fails, the workers' sweep delivers them (docs/jobs.md).
  for (const row of rows) await deps.queue?.enqueue(row.id).catch(() => undefined);
  return { preview, jobs: rows.map((row) => ({ consumer: (row.params as { consumer: string }).consumer, job: toJobView(row), created: true })) };
}

/** The jobs a request with this idempotency key started (one per consumer). */
async function jobsOfRequest(db: Db, idempotencyKey: string): Promise<ReplayOutcome['jobs']> {
  const rows = await db.backgroundJob.findMany({ where: { kind: 'dlq.replay', idempotencyKey: { startsWith: `${idempotencyKey}:` } }, orderBy: { createdAt: 'asc' } });
  return rows.map((row) => ({ consumer: (row.params as { consumer: string }).consumer, job: toJobView(row), created: false }));
}

/** Whether `actor` may see the replay buttons (the server checks again). */
export const mayReplay = (actor: SessionUser) => mayPerform(actor.role, 'dlq.replay');
