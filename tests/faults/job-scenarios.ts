// Fault scenarios of the console's own jobs (docs/faults.md), run by the real jobs
// worker (workers/jobs) next to the demo system, started through the same use cases
// the console's API routes call:
//   replay-worker-kill  a DLQ replay (lib/app/replay-dlq-messages.ts, the use case of
//                       POST /api/dlq/replay) of the demo's injected permanent failures;
//                       the jobs worker SIGKILLed while the replay is part done; the
//                       supervisor starts a new one, which resumes the job
//   rebuild-live-swap   a projection.rebuild (lib/app/start-projection-rebuild.ts) of
//                       order-summary under traffic, the jobs worker SIGKILLed mid-fold,
//                       the resumed job runs to "ready", then the swap
//                       (lib/app/swap-projection-version.ts) while traffic keeps flowing
// The end-of-run checks (checks.ts, job-checks.ts) judge the outcome from the tables.
import { randomUUID } from 'node:crypto';
import type { Db } from '@/lib/adapters/prisma/client';
import { replayDlqMessages } from '@/lib/app/replay-dlq-messages';
import { startProjectionRebuild } from '@/lib/app/start-projection-rebuild';
import { swapProjectionVersion } from '@/lib/app/swap-projection-version';
import { dlqEnvSchema } from '@/lib/config/dlq-env';
import { parseEnv } from '@/lib/config/parse-env';
import { dlqLimitsOf } from '@/lib/console/dlq-deps';
import type { SessionUser } from '@/lib/domain/session-user';
import { jobKindRegistry } from '@/lib/jobs/kinds';
import type { FaultContext, FaultStep, Scenario } from './run-scenario';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const harnessUser = (role: SessionUser['role']): SessionUser => ({ id: randomUUID(), email: `fault-harness-${role}@example.com`, name: 'fault harness', role });

interface JobProgress {
  id: string;
  state: string;
  done: number;
  total: number | null;
  attempts: number;
  phase: string | null;
  error: string | null;
  result: Record<string, unknown> | null;
}

async function progressOf(db: Db, ids: string[]): Promise<JobProgress[]> {
  return db.$queryRaw<JobProgress[]>`
    SELECT id::text, state::text, progress_done::int AS done, progress_total::int AS total, attempts,
           checkpoint->>'phase' AS phase, error, result
      FROM background_jobs WHERE id = ANY(${ids}::uuid[]) ORDER BY created_at`;
}

async function poll<T>(what: string, timeoutMs: number, everyMs: number, fn: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn().catch(() => null);
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(everyMs);
  }
}

/** SIGKILLs the jobs worker and waits until the supervisor has started a new process. */
async function killJobsWorker(ctx: FaultContext): Promise<string> {
  const handle = ctx.sys.workers.get('jobs');
  if (!handle) throw new Error('no jobs worker in this run');
  const starts = handle.starts();
  const pid = handle.signal('SIGKILL');
  await poll('the supervisor to start a new jobs worker', 30_000, 100, async () => (handle.starts() > starts ? true : null));
  return `jobs worker pid ${pid ?? '?'} SIGKILLed, new process started`;
}

/** Every job ended; fails the run when one did not succeed. */
async function waitForJobs(db: Db, ids: string[], timeoutMs: number): Promise<JobProgress[]> {
  const ended = await poll('the jobs to end', timeoutMs, 500, async () => {
    const jobs = await progressOf(db, ids);
    return jobs.every((j) => ['succeeded', 'failed', 'cancelled'].includes(j.state)) ? jobs : null;
  });
  const bad = ended.filter((j) => j.state !== 'succeeded');
  if (bad.length) throw new Error(`job(s) did not succeed: ${bad.map((j) => `${j.id} ${j.state}: ${j.error ?? ''}`).join('; ')}`);
  return ended;
}

const describe = (jobs: JobProgress[]) => jobs.map((j) => `${j.done}/${j.total ?? '?'}${j.phase ? ` ${j.phase}` : ''} (${j.state})`).join(', ');

/** Open dead letters of the demo's injected permanent failures (events, not the foreign producer's poison). */
async function injectedDeadLetters(db: Db): Promise<string[]> {
  const rows = await db.$queryRaw<Array<{ id: string }>>`
    SELECT id::text FROM dlq_messages
     WHERE status = 'open' AND event_id IS NOT NULL AND error_message LIKE 'Injected permanent failure%'
     ORDER BY topic, partition, "offset"`;
  return rows.map((r) => r.id);
}

/** Statuses of the selected rows (and the rows parked behind them that a replay sends along). */
async function dlqStatuses(db: Db, ids: string[]): Promise<Record<string, number>> {
  const rows = await db.$queryRaw<Array<{ status: string; n: number }>>`
    SELECT status::text, count(*)::int AS n FROM dlq_messages WHERE id = ANY(${ids}::uuid[]) OR parked_behind = ANY(${ids}::uuid[]) GROUP BY 1`;
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

const replayMidway = (atSeconds: number, opts: { minSelected: number; ratePerSecond: number }): FaultStep => ({
  label: 'DLQ replay of the injected permanent failures; jobs worker SIGKILLed mid-replay',
  atSeconds,
  async inject(ctx) {
    const db = ctx.sys.newDb(3);
    try {
      const ids = await poll(`${opts.minSelected} open injected dead letters`, 180_000, 1_000, async () => {
        const found = await injectedDeadLetters(db);
        return found.length >= opts.minSelected ? found : null;
      });
      // What the console's replay route passes: the job deps and the DLQ_* limits parsed from the environment.
      const env = parseEnv(dlqEnvSchema, { DATABASE_URL: ctx.sys.url, KAFKA_BROKERS: ctx.sys.kafka.brokers.join(',') }, 'fault-harness');
      const deps = { db, kinds: jobKindRegistry(), limits: dlqLimitsOf(env), now: () => new Date() };
      const operator = harnessUser('operator');
      // canary 0: the demo's failure knobs stay on, so a replayed message may fail again (it is then open again, not lost).
      const request = { selection: { by: 'ids' as const, ids }, ratePerSecond: opts.ratePerSecond, canary: 0, idempotencyKey: `fault-replay-${randomUUID()}` };
      const { preview } = await replayDlqMessages(deps, operator, { ...request, dryRun: true });
      const { jobs } = await replayDlqMessages(deps, operator, { ...request, confirm: preview.confirmText ?? undefined });
      const jobIds = jobs.map((j) => j.job.id);
      ctx.log(`replay: ${ids.length} dead letters selected (${preview.count} with parked followers), ${jobIds.length} job(s): ${jobs.map((j) => `${j.consumer} ${j.job.id}`).join(', ')}`);
      // Mid-way: a job that has sent some of its messages and not all (its progress row), and selected rows still open.
      const atKill = await poll('a replay job part done', 120_000, 100, async () => {
        const progress = await progressOf(db, jobIds);
        const part = progress.find((j) => j.state === 'running' && j.done > 0 && j.total !== null && j.done < j.total);
        if (!part) return null;
        const statuses = await dlqStatuses(db, ids);
        return (statuses.open ?? 0) > 0 ? { progress, statuses } : null;
      });
      const killed = await killJobsWorker(ctx);
      ctx.log(`replay: ${killed} at ${describe(atKill.progress)}; dead letters ${JSON.stringify(atKill.statuses)}`);
      const ended = await waitForJobs(db, jobIds, 300_000);
      const killedMidway = atKill.progress.filter((j) => j.state === 'running' && j.done > 0).map((j) => j.id);
      const notResumed = ended.filter((j) => killedMidway.includes(j.id) && j.attempts < 2);
      if (notResumed.length) throw new Error(`job(s) killed mid-way ended after one run (not resumed by a new worker): ${notResumed.map((j) => j.id).join(', ')}`);
      // The consumers handle the last replayed records after the job ended.
      const after = await poll('every replayed record handled', 120_000, 1_000, async () => {
        const statuses = await dlqStatuses(db, ids);
        return (statuses.replaying ?? 0) === 0 ? statuses : null;
      });
      return `${ids.length} selected over ${jobIds.length} job(s); killed at ${describe(atKill.progress)}, rows ${JSON.stringify(atKill.statuses)}; ended ${ended.map((j) => `${j.done} sent, ${j.attempts} run(s)`).join(', ')}; rows ${JSON.stringify(after)}`;
    } finally {
      await db.$disconnect();
    }
  },
});

const rebuildAndSwap = (atSeconds: number, projection: string, opts: { pageSize: number; throttleMs: number; trafficAfterSwapMs: number }): FaultStep => ({
  label: `${projection} rebuild (jobs worker SIGKILLed mid-fold) and swap under traffic`,
  atSeconds,
  async inject(ctx) {
    const db = ctx.sys.newDb(3);
    try {
      const admin = harnessUser('admin');
      const { job } = await startProjectionRebuild({ db, kinds: jobKindRegistry() }, admin, projection, {
        idempotencyKey: `fault-rebuild-${randomUUID()}`, pageSize: opts.pageSize, throttleMs: opts.throttleMs,
      });
      ctx.log(`rebuild: job ${job.id} started for ${projection}`);
      const atKill = await poll('the rebuild part way through its fold', 120_000, 100, async () => {
        const [p] = await progressOf(db, [job.id]);
        return p && p.state === 'running' && p.phase === 'fold' && p.done > 0 && p.total !== null && p.done < p.total ? p : null;
      });
      const killed = await killJobsWorker(ctx);
      ctx.log(`rebuild: ${killed} at ${describe([atKill])}`);
      const [ended] = await waitForJobs(db, [job.id], 420_000);
      if (ended!.attempts < 2) throw new Error(`rebuild ${job.id} killed mid-fold ended after ${ended!.attempts} run(s): not resumed by a new worker`);
      const version = Number(ended!.result?.version);
      if (!Number.isInteger(version)) throw new Error(`rebuild ${job.id} succeeded without a version: ${JSON.stringify(ended!.result)}`);
      const swapped = await swapProjectionVersion({ db }, admin, projection, { version });
      const registry = async () => (await db.$queryRaw<Array<{ table: string; version: number }>>`SELECT active_table AS table, version FROM projection_registry WHERE projection = ${projection}`)[0];
      const active = await registry();
      if (active?.version !== version) throw new Error(`after the swap projection_registry names ${JSON.stringify(active)}, not v${version}`);
      // Traffic keeps flowing into the new table: its newest row must move after the swap.
      const newest = async () => (await db.$queryRawUnsafe<Array<{ at: Date | null }>>(`SELECT max(updated_at) AS at FROM "${active.table}"`))[0]?.at ?? null;
      const before = await newest();
      await sleep(opts.trafficAfterSwapMs);
      const later = await newest();
      if (!later || (before && later <= before)) throw new Error(`${active.table} got no live write in ${opts.trafficAfterSwapMs / 1000} s after the swap`);
      const r = ended!.result ?? {};
      return `killed at ${describe([atKill])}; job ended after ${ended!.attempts} run(s): v${version} ${String(r.table)}, ${String(r.eventsFolded)} events folded, ${String(r.caughtUp)} caught up, diff vs the old version missing ${String(r.missing)} extra ${String(r.extra)} different ${String(r.different)}; swap v${swapped.from} → v${swapped.to} (${swapped.caughtUpEvents} events caught up); live writes into ${active.table} after the swap`;
    } finally {
      await db.$disconnect();
    }
  },
});

const jobWorkers = ['relay', 'consumers', 'orders-api', 'traffic', 'jobs'] as const;

export function jobScenarios(rate: number, trafficSeconds = 50): Scenario[] {
  const base = { rate, trafficSeconds, workers: jobWorkers };
  return [
    {
      ...base,
      id: 'replay-worker-kill',
      title: `DLQ replay, jobs worker SIGKILLed mid-replay (${rate} orders/s)`,
      faults: [replayMidway(15, { minSelected: 12, ratePerSecond: 3 })],
    },
    {
      ...base,
      id: 'rebuild-live-swap',
      title: `order-summary rebuild with the jobs worker SIGKILLed mid-fold, swap under traffic (${rate} orders/s)`,
      faults: [rebuildAndSwap(15, 'order-summary', { pageSize: 50, throttleMs: 250, trafficAfterSwapMs: 10_000 })],
    },
  ];
}
