// `demo.count`: counts to `to`, one checkpoint per step, waiting `stepMs` between
// steps. It has no effect beyond its own progress: it exists so the demo (and anyone
// trying the runner) can watch a job run, pause, resume, cancel and survive a killed
// worker without touching real data.
import { z } from 'zod';
import { defineJobKind } from '../job-kind';

const params = z.object({
  to: z.number().int().min(1).max(1_000_000),
  stepMs: z.number().int().min(0).max(10_000).default(100),
  /** Jobs with different labels run side by side; the same label is one scope. */
  label: z.string().regex(/^[a-z0-9-]{1,40}$/, 'lowercase letters, digits and dashes, at most 40').default('default'),
});

export const demoCountJob = defineJobKind<z.infer<typeof params>, { next: number }>({
  name: 'demo.count',
  params,
  requiredRole: 'operator',
  scope: (p) => `demo:count:${p.label}`,
  async run(ctx) {
    const { to, stepMs } = ctx.params;
    for (let n = ctx.lastCheckpoint?.next ?? 0; n < to; n++) {
      if (ctx.shouldStop()) return ctx.stopped;
      if (stepMs > 0) await sleep(stepMs, ctx.signal);
      ctx.progress(n + 1, to, 0);
      await ctx.checkpoint({ next: n + 1 });
    }
    return { counted: to };
  },
});

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolve()), ms);
    const onAbort = () => (clearTimeout(timer), reject(signal.reason as Error));
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
