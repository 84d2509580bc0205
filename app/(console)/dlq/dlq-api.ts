// Client-side calls of the DLQ API (the same JSON the public API serves).
import type { ReplayOutcome } from '@/lib/app/replay-dlq-messages';
import { apiErrorMessage } from '@/lib/http/api-error';
import type { ReplaySelection } from '@/lib/domain/dlq/selection';

async function post<T>(url: string, body: unknown): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(await apiErrorMessage(res));
  return (await res.json()) as T;
}

export const requestReplay = (body: { selection: ReplaySelection; dryRun?: boolean; confirm?: string; idempotencyKey?: string }) =>
  post<ReplayOutcome>('/api/dlq/replay', body);
export const discard = (ids: string[], reason: string) =>
  post<{ discarded: number; requested: number; released: number; releaseJobs: { consumer: string; jobId: string }[]; releaseNote?: string }>('/api/dlq/discard', { ids, reason });
export const setRateCap = async (rateCap: number) => {
  const res = await fetch('/api/dlq/rate-cap', { method: 'PUT', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ rateCap }) });
  if (!res.ok) throw new Error(await apiErrorMessage(res));
  return (await res.json()) as { rateCap: number; previous: number };
};
export const editPayload = (id: string, data: unknown, reason: string) => post<{ id: string; version: number }>(`/api/dlq/messages/${id}/edit`, { data, reason });
export const approveReplay = (jobId: string) => post<{ jobId: string; approvedBy: string }>(`/api/dlq/replay/${jobId}/approve`, {});
