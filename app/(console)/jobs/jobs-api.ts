// Client-side access to the jobs API (the same JSON the public API serves).
import type { JobView } from '@/lib/jobs/job-view';
import { apiErrorMessage } from '@/lib/http/api-error';

export type JobList = { jobs: JobView[]; next: string | null };

async function call<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, { ...init, headers: { accept: 'application/json', ...init?.headers } });
  if (!res.ok) throw new Error(await apiErrorMessage(res));
  return (await res.json()) as T;
}

export const fetchJobs = (query: string) => call<JobList>(`/api/jobs${query}`);
export const fetchJob = (id: string) => call<JobView>(`/api/jobs/${encodeURIComponent(id)}`);
export const commandJob = (id: string, command: 'pause' | 'resume' | 'cancel') =>
  call<JobView>(`/api/jobs/${encodeURIComponent(id)}/${command}`, { method: 'POST' });

export const isActive = (job: JobView) => job.state === 'queued' || job.state === 'running' || job.state === 'paused' || job.state === 'cancelling';
