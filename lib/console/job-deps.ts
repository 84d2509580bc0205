// What the console's job routes pass to the job use cases: the database, the catalog
// of kinds (requests are validated where they are made), and a queue to wake a
// worker. pg-boss is started lazily on the first start/resume, with `maintain: false`
// (the workers run its maintenance), and only once per server process. If it cannot
// start, the use cases still commit and the workers' sweep delivers the job within
// JOBS_SWEEP_MS (docs/jobs.md).
import type { JobKindRegistry } from '../jobs/job-kind';
import { startJobQueue, type JobEnqueuer, type JobQueue } from '../jobs/job-queue';
import { jobKindRegistry } from '../jobs/kinds';
import type { ConsoleContext } from './context';

export interface ConsoleJobDeps {
  db: ConsoleContext['db'];
  kinds: JobKindRegistry;
  queue: JobEnqueuer;
}

let kinds: JobKindRegistry | undefined;
let queue: Promise<JobQueue> | undefined;

function lazyEnqueuer(databaseUrl: string): JobEnqueuer {
  return {
    async enqueue(jobId) {
      queue ??= startJobQueue({ databaseUrl, maintain: false, onError: (e) => console.warn(`console: pg-boss: ${e.message}`) }).catch((error: unknown) => {
        queue = undefined; // try again on the next request
        throw error;
      });
      await (await queue).enqueue(jobId);
    },
  };
}

export function consoleJobDeps(ctx: ConsoleContext): ConsoleJobDeps {
  kinds ??= jobKindRegistry();
  return { db: ctx.db, kinds, queue: lazyEnqueuer(ctx.env.DATABASE_URL) };
}
