// The jobs worker's drift schedule: with PROJECTION_DRIFT_EVERY_MIN > 0, starts a
// drift check of each projection every that many minutes, one at a time, skipping a
// projection whose scope holds an active job (lib/app/schedule-drift-checks.ts). Every
// jobs worker runs it; one decides at a time (advisory lock). Off (0): nothing starts.
import { createDb } from '../../lib/adapters/prisma/client';
import { startDriftSchedule } from '../../lib/app/schedule-drift-checks';
import { projectionsEnvSchema } from '../../lib/config/projections-env';
import { loadEnvOrExit } from '../../lib/config/parse-env';
import { startJobQueue } from '../../lib/jobs/job-queue';
import { jobKindRegistry } from '../../lib/jobs/kinds';

export async function startDriftScheduleFromEnv(logger: { info(line: string): void; warn(line: string): void }): Promise<{ stop(): Promise<void> } | null> {
  const env = loadEnvOrExit(projectionsEnvSchema, 'jobs');
  if (env.PROJECTION_DRIFT_EVERY_MIN === 0) return null;
  const db = createDb(env.DATABASE_URL, { poolSize: 2, applicationName: 'signalbox-drift-schedule' });
  const queue = await startJobQueue({ databaseUrl: env.DATABASE_URL, maintain: false, onError: (e) => logger.warn(`drift schedule: pg-boss: ${e.message}`) });
  const schedule = startDriftSchedule({ db, kinds: jobKindRegistry(), queue }, { everyMs: env.PROJECTION_DRIFT_EVERY_MIN * 60_000, logger });
  logger.info(`jobs: drift checks of every projection scheduled every ${env.PROJECTION_DRIFT_EVERY_MIN} min`);
  return {
    async stop() {
      await schedule.stop();
      await queue.stop();
      await db.$disconnect();
    },
  };
}
