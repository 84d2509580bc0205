// A job as the console and the API show it: progress with rate and ETA derived from
// the stored samples. Shared by lib/read (get/list) and the use cases' return values.
import type { BackgroundJob } from '../adapters/prisma/generated/client';
import { etaSeconds, parseRateSamples, rateOf } from './job-rate';
import type { JobState } from './job-state';

export interface JobView {
  id: string;
  kind: string;
  scope: string;
  params: unknown;
  state: JobState;
  progress: {
    done: number;
    total: number | null;
    failures: number;
    /** 0..1, null without a total. */
    fraction: number | null;
    /** Items per second over the last 30 s of this run; null while unknown or when not running. */
    ratePerSecond: number | null;
    etaSeconds: number | null;
  };
  checkpoint: unknown;
  result: unknown;
  error: string | null;
  createdBy: string | null;
  idempotencyKey: string | null;
  attempts: number;
  workerId: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  heartbeatAt: string | null;
  updatedAt: string;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toJobView(row: BackgroundJob): JobView {
  const done = Number(row.progressDone);
  const total = row.progressTotal === null ? null : Number(row.progressTotal);
  const running = row.state === 'running' || row.state === 'cancelling';
  const rate = running ? rateOf(parseRateSamples(row.rateSamples)) : null;
  return {
    id: row.id,
    kind: row.kind,
    scope: row.scope,
    params: row.params,
    state: row.state,
    progress: {
      done,
      total,
      failures: Number(row.progressFailures),
      fraction: total && total > 0 ? Math.min(1, done / total) : total === 0 ? 1 : null,
      ratePerSecond: rate,
      etaSeconds: running ? etaSeconds(done, total, rate) : null,
    },
    checkpoint: row.checkpoint,
    result: row.result,
    error: row.error,
    createdBy: row.createdBy,
    idempotencyKey: row.idempotencyKey,
    attempts: row.attempts,
    workerId: row.workerId,
    createdAt: row.createdAt.toISOString(),
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
    heartbeatAt: iso(row.heartbeatAt),
    updatedAt: row.updatedAt.toISOString(),
  };
}
