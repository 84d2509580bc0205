// Pure presenter rules behind the Consumers screens and their JSON API: the list's
// filter and sort (all in the URL), history windows and their resolution, drain ETA
// in words, status history from a series, and how fresh the sampler's figures are.
// No I/O here: the lib/read functions bring the rows and the clock.
import { z } from 'zod';
import { STATUS_SEVERITY, type LagStatus } from '../domain/lag/health';
import { formatDuration } from '../domain/lag/format';

export const LAG_STATUSES = ['ERR', 'STOP', 'STALL', 'REWIND', 'WARN', 'OK'] as const satisfies readonly LagStatus[];
export const SORTS = ['seconds', 'lag', 'status', 'group'] as const;
export type ConsumerSort = (typeof SORTS)[number];
/** The console's one sort encoding (lib/domain/format/url-params.ts): `seconds` ascending, `-seconds` descending. */
const SORT_VALUES = [...SORTS, ...SORTS.map((s) => `-${s}` as const)] as const;

const statusList = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim().toUpperCase()).filter(Boolean))
  .pipe(z.array(z.enum(LAG_STATUSES, { message: `must be one or more of ${LAG_STATUSES.join(', ')}` })));

/** The Consumers list's URL / query parameters; the default sort is seconds behind, worst first. */
export const consumerListQuerySchema = z.strictObject({
  status: statusList.optional(),
  topic: z.string().trim().max(249).optional(),
  q: z.string().trim().max(200).optional(),
  sort: z.enum(SORT_VALUES, { message: `must be one of ${SORT_VALUES.join(', ')}` }).default('-seconds'),
});
export type ConsumerListQuery = z.output<typeof consumerListQuerySchema>;

export interface ListedGroup {
  groupId: string;
  status: LagStatus;
  lag: number | null;
  secondsBehind: number | null;
  topics: string[];
}

/** Filters by status, topic (exact) and text (in the group id or evidence), then sorts; ties by group id. */
export function filterAndSort<G extends ListedGroup & { evidence: string }>(groups: readonly G[], q: ConsumerListQuery): G[] {
  const text = q.q?.toLowerCase();
  const kept = groups.filter(
    (g) =>
      (!q.status?.length || q.status.includes(g.status)) &&
      (!q.topic || g.topics.includes(q.topic)) &&
      (!text || g.groupId.toLowerCase().includes(text) || g.evidence.toLowerCase().includes(text)),
  );
  const desc = q.sort.startsWith('-');
  const by = (desc ? q.sort.slice(1) : q.sort) as ConsumerSort;
  const key = (g: G): number | string => {
    switch (by) {
      case 'seconds':
        return g.secondsBehind ?? -1;
      case 'lag':
        return g.lag ?? -1;
      case 'status':
        return STATUS_SEVERITY[g.status];
      case 'group':
        return g.groupId;
    }
  };
  const sign = desc ? -1 : 1;
  return [...kept].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    const c = typeof ka === 'string' ? ka.localeCompare(kb as string) : ka - (kb as number);
    return c !== 0 ? sign * c : a.groupId.localeCompare(b.groupId);
  });
}

export const WINDOWS = ['15m', '1h', '24h', '7d'] as const;
export type HistoryWindow = (typeof WINDOWS)[number];

/**
 * How a window is read: raw samples (kept 24 h, with rates) up to 24 h, 1-minute rollups
 * for 7 d; bucketed so a chart gets at most ~200 points however long the window.
 */
export function windowPlan(window: HistoryWindow): { ms: number; source: 'raw' | 'rollup'; bucketSeconds: number } {
  switch (window) {
    case '15m':
      return { ms: 15 * 60_000, source: 'raw', bucketSeconds: 5 };
    case '1h':
      return { ms: 3_600_000, source: 'raw', bucketSeconds: 20 };
    case '24h':
      return { ms: 86_400_000, source: 'raw', bucketSeconds: 600 };
    case '7d':
      return { ms: 7 * 86_400_000, source: 'rollup', bucketSeconds: 3_600 };
  }
}

export type Eta = { state: 'caught-up' | 'draining' | 'not-draining' | 'unknown'; seconds: number | null; text: string };

/** Drain ETA in words, from the sample's lag and ETA (the sampler computed consume − produce). */
export function etaOf(lag: number | null, etaSeconds: number | null, consumeRate: number | null, produceRate: number | null): Eta {
  if (lag === 0) return { state: 'caught-up', seconds: 0, text: 'caught up' };
  if (etaSeconds !== null && Number.isFinite(etaSeconds) && etaSeconds >= 0) {
    return { state: 'draining', seconds: etaSeconds, text: `about ${formatDuration(etaSeconds * 1000)}` };
  }
  if (consumeRate !== null && produceRate !== null) return { state: 'not-draining', seconds: null, text: 'not draining' };
  return { state: 'unknown', seconds: null, text: 'unknown (not enough history)' };
}

export interface StatusChange {
  at: string;
  status: string;
  evidence: string | null;
}

/** The points where the status changed (the first point counts as a change), newest first. */
export function statusChanges(points: readonly { at: string; status: string; evidence?: string | null }[]): StatusChange[] {
  const out: StatusChange[] = [];
  let previous: string | null = null;
  for (const p of points) {
    if (p.status !== previous) out.push({ at: p.at, status: p.status, evidence: p.evidence ?? null });
    previous = p.status;
  }
  return out.reverse();
}

export type Freshness = { state: 'fresh' | 'stale' | 'missing'; lastBeatAt: string | null; ageSeconds: number | null; staleAfterSeconds: number };

/** A process is stale after three missed beats (at least 30 s): its figures are then old and the page says so. */
export function freshnessOf(lastBeatAt: Date | null, intervalMs: number | null, now: Date): Freshness {
  const staleAfterSeconds = Math.max(30, Math.round((3 * (intervalMs ?? 10_000)) / 1000));
  if (!lastBeatAt) return { state: 'missing', lastBeatAt: null, ageSeconds: null, staleAfterSeconds };
  const ageSeconds = Math.max(0, (now.getTime() - lastBeatAt.getTime()) / 1000);
  return { state: ageSeconds > staleAfterSeconds ? 'stale' : 'fresh', lastBeatAt: lastBeatAt.toISOString(), ageSeconds, staleAfterSeconds };
}

/** Counts per status, every status present (0 when none), worst first. */
export function countByStatus(statuses: readonly string[]): Record<LagStatus, number> {
  const out = Object.fromEntries(LAG_STATUSES.map((s) => [s, 0])) as Record<LagStatus, number>;
  for (const s of statuses) if (s in out) out[s as LagStatus]++;
  return out;
}
