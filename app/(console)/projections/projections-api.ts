// Client-side access to the projections API (the same JSON the public API serves,
// docs/projections.md): reads, drift check / repair jobs, rebuild, swap, drop, and
// the demo's corruption knob. Errors carry the API's message.
import type { DriftReportView, ProjectionView } from '@/lib/read/list-projections';
import type { JobView } from '@/lib/jobs/job-view';
import { apiErrorMessage } from '@/lib/http/api-error';

export type ProjectionDetailView = { projection: ProjectionView | null; reports: DriftReportView[]; jobs: JobView[]; at: string };

/** A version as GET /api/projections/<name>/versions lists it (docs/projections.md, rebuild contract). */
export interface VersionView {
  version: number;
  table: string;
  checkpointName?: string;
  state: string;
  createdAt: string;
  activatedAt: string | null;
  retiredAt?: string | null;
  jobId?: string | null;
  /** pg_class.reltuples; null before the first ANALYZE. */
  rowsEstimate?: number | null;
  diff?: { reportId: string; missing: number; extra: number; different: number; driftPct: number; rowsCompared?: number; finishedAt?: string | null } | null;
}

async function call<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, { ...init, headers: { accept: 'application/json', ...(init?.body ? { 'content-type': 'application/json' } : {}), ...init?.headers } });
  if (!res.ok) throw new Error(await apiErrorMessage(res));
  return (await res.json()) as T;
}

const base = (name: string) => `/api/projections/${encodeURIComponent(name)}`;

export const fetchProjections = () => call<{ projections: ProjectionView[]; at: string }>('/api/projections');
export const fetchProjection = (name: string) => call<ProjectionDetailView>(base(name));
export const fetchVersions = (name: string) => call<{ versions: VersionView[] }>(`${base(name)}/versions`);

export const startProjectionJob = (name: string, kind: 'projection.drift-check' | 'projection.repair') =>
  call<{ job: JobView; created: boolean }>('/api/jobs', { method: 'POST', body: JSON.stringify({ kind, params: { projection: name }, idempotencyKey: crypto.randomUUID() }) });
export const startRebuild = (name: string) =>
  call<{ job: JobView; created: boolean }>(`${base(name)}/rebuild`, { method: 'POST', body: JSON.stringify({ idempotencyKey: crypto.randomUUID() }) });
export const swapVersion = (name: string, version: number) =>
  call<{ projection: string; from: number; to: number; caughtUpEvents: number }>(`${base(name)}/swap`, { method: 'POST', body: JSON.stringify({ version }) });
export const dropVersion = (name: string, version: number) =>
  call<{ projection: string; version: number; table: string }>(`${base(name)}/versions/${version}`, { method: 'DELETE' });
export const cancelJob = (id: string) => call<JobView>(`/api/jobs/${encodeURIComponent(id)}/cancel`, { method: 'POST' });
export const corruptProjection = (name: string, rows: number) =>
  call<{ changed: number; deleted: number; added: number; table: string }>(`${base(name)}/corrupt`, { method: 'POST', body: JSON.stringify({ rows }) });
