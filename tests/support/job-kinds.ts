// Job kinds for the runner's tests. `test.steps` records every step it takes in
// job_test_steps, in the same transaction as its checkpoint, under a primary key of
// (job, step): a step done twice would fail the job, a skipped one is missing.
import type pg from 'pg';
import { z } from 'zod';
import { defineJobKind, type AnyJobKind } from '@/lib/jobs/job-kind';

export async function createJobTestTables(pool: pg.Pool): Promise<void> {
  await pool.query(`CREATE TABLE IF NOT EXISTS job_test_steps (
    job_id uuid NOT NULL, step int NOT NULL, pid int NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (job_id, step))`);
}

const stepsParams = z.object({
  label: z.string().min(1).max(60),
  steps: z.number().int().min(1).max(100_000),
  stepMs: z.number().int().min(0).max(10_000).default(0),
  /** Throw at this step (tests a failing job). */
  failAt: z.number().int().min(0).optional(),
});

export const testStepsJob = defineJobKind<z.infer<typeof stepsParams>, { next: number }>({
  name: 'test.steps',
  params: stepsParams,
  requiredRole: 'operator',
  scope: (p) => `test:steps:${p.label}`,
  async run(ctx) {
    const { steps, stepMs, failAt } = ctx.params;
    for (let step = ctx.lastCheckpoint?.next ?? 0; step < steps; step++) {
      if (ctx.shouldStop()) return ctx.stopped;
      if (stepMs > 0) await new Promise((r) => setTimeout(r, stepMs));
      if (step === failAt) throw new Error(`step ${step} failed on purpose`);
      ctx.progress(step + 1, steps, 0);
      await ctx.checkpoint({ next: step + 1 }, async (tx) => {
        await tx.$executeRaw`INSERT INTO job_test_steps (job_id, step, pid) VALUES (${ctx.jobId}::uuid, ${step}, ${process.pid})`;
      });
    }
    return { steps };
  },
});

export const testJobKinds: readonly AnyJobKind[] = [testStepsJob];
