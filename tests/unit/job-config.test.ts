import { describe, expect, it } from 'vitest';
import { jobsEnvSchema } from '@/lib/config/jobs-env';
import { parseEnv } from '@/lib/config/parse-env';

describe('jobs worker configuration', () => {
  it('has defaults', () => {
    expect(parseEnv(jobsEnvSchema, {}, 'jobs')).toMatchObject({ JOBS_CONCURRENCY: 2, JOBS_HEARTBEAT_MS: 2_000, JOBS_STALE_AFTER_MS: 15_000 });
  });

  it('names the variable that is wrong', () => {
    expect(() => parseEnv(jobsEnvSchema, { JOBS_CONCURRENCY: '0' }, 'jobs')).toThrow(/JOBS_CONCURRENCY: must be at least 1/);
    expect(() => parseEnv(jobsEnvSchema, { JOBS_POLL_MS: 'soon' }, 'jobs')).toThrow(/JOBS_POLL_MS/);
    expect(() => parseEnv(jobsEnvSchema, { JOBS_HEARTBEAT_MS: '5000', JOBS_STALE_AFTER_MS: '6000' }, 'jobs')).toThrow(/JOBS_STALE_AFTER_MS: must be at least twice/);
  });
});
