// Delivery of "job <id> is ready to run" through pg-boss (a maintained PostgreSQL
// queue: SKIP LOCKED fetch, retries, retention). One pg-boss queue for every kind;
// the job's state lives in background_jobs, so a delivery is only a wake-up call.
// The queue's `short` policy with the job id as singleton key keeps at most one
// waiting delivery per job, so sending again (after a reclaim, or from the sweeper)
// never piles up duplicates.
import PgBoss from 'pg-boss';

export const JOBS_QUEUE = 'signalbox-jobs';

export interface JobDelivery {
  deliveryId: string;
  jobId: string;
}

/** What start/resume use cases need: a way to wake a worker for a job. */
export interface JobEnqueuer {
  enqueue(jobId: string): Promise<void>;
}

export interface JobQueue extends JobEnqueuer {
  fetch(): Promise<JobDelivery | null>;
  /** Marks a delivery handled (claimed, or found not claimable). */
  complete(deliveryId: string): Promise<void>;
  stop(): Promise<void>;
}

export interface JobQueueOptions {
  databaseUrl: string;
  /** Run pg-boss maintenance (expire, archive, purge) in this process; workers do, the console need not. */
  maintain: boolean;
  onError?: (error: Error) => void;
}

/** Starts pg-boss (installing or migrating its schema `pgboss` when needed) and creates the queue. */
export async function startJobQueue(options: JobQueueOptions): Promise<JobQueue> {
  const boss = new PgBoss({
    connectionString: options.databaseUrl,
    application_name: 'signalbox-jobs',
    max: 2,
    supervise: options.maintain,
    schedule: false,
    migrate: true,
  });
  boss.on('error', (error) => options.onError?.(error));
  await boss.start();
  // A delivery fetched by a worker that dies before claiming the job comes back after
  // expireInSeconds; a claimed job is watched by its heartbeat instead (docs/jobs.md).
  await boss.createQueue(JOBS_QUEUE, { name: JOBS_QUEUE, policy: 'short', retryLimit: 10, retryDelay: 5, expireInSeconds: 60, retentionMinutes: 60 * 24 });
  return {
    async enqueue(jobId) {
      await boss.send(JOBS_QUEUE, { jobId }, { singletonKey: jobId });
    },
    async fetch() {
      const [job] = await boss.fetch<{ jobId?: unknown }>(JOBS_QUEUE, { batchSize: 1 });
      if (!job) return null;
      const jobId = typeof job.data?.jobId === 'string' ? job.data.jobId : '';
      return { deliveryId: job.id, jobId };
    },
    async complete(deliveryId) {
      await boss.complete(JOBS_QUEUE, deliveryId);
    },
    async stop() {
      await boss.stop({ graceful: false, close: true, wait: true });
    },
  };
}
