// The Traces page and GET /api/traces: with `q`, what the pasted id leads to (the
// header search); without, the recent flows, failures and stuck steps first.
import { z } from 'zod';
import type { Db } from '../adapters/prisma/client';
import { MAX_QUERY_LENGTH } from '../domain/trace/recognise-id';
import { findFlows, type FoundFlows } from './find-flows';
import { listRecentFlows, recentFlowsQuerySchema, type RecentFlows } from './list-recent-flows';

// Longer input is not an id: accepted (and found to match nothing) up to a bound, refused beyond.
export const tracesQuerySchema = recentFlowsQuerySchema.extend({ q: z.string().max(MAX_QUERY_LENGTH * 4).optional() });
export type TracesQuery = z.input<typeof tracesQuerySchema>;

export type TracesView = { mode: 'search'; search: FoundFlows } | { mode: 'recent'; recent: RecentFlows };

export async function getTraces(db: Db, query: TracesQuery, now: Date): Promise<TracesView> {
  const { q, after, limit } = tracesQuerySchema.parse(query);
  if (q && q.trim()) return { mode: 'search', search: await findFlows(db, q) };
  return { mode: 'recent', recent: await listRecentFlows(db, { after, limit }, now) };
}
