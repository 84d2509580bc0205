// What a DLQ read or replay is about: a filter (the list's URL parameters) or a
// replay selection (ids, a cause, a trace, a filter). Schemas only; the SQL that
// applies them is lib/read/dlq-where.ts.
import { z } from 'zod';
import { causeKeyPattern } from './cause';

export const dlqStatuses = ['open', 'replaying', 'resolved', 'discarded', 'parked'] as const;
export type DlqStatus = (typeof dlqStatuses)[number];

const trimmed = (max: number) => z.string().trim().min(1).max(max);
const isoDate = z.coerce.date();

export const dlqFilterSchema = z.object({
  consumer: trimmed(200).optional(),
  eventType: trimmed(200).optional(),
  /** Error text: matched against class and message (case-insensitive). */
  q: trimmed(200).optional(),
  status: z.enum(dlqStatuses).optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  traceId: z.string().trim().regex(/^[0-9a-f]{32}$/, '32 lowercase hex characters').optional(),
  subject: trimmed(200).optional(),
  cause: z.string().regex(causeKeyPattern, 'a 24-character cause key').optional(),
});
export type DlqFilter = z.infer<typeof dlqFilterSchema>;

/**
 * What a replay acts on. Strict, unlike the list reads' query: an unknown or misspelt
 * field (`treceId`, `consumr`) is refused instead of dropped, since dropping it would
 * widen the selection of a destructive action.
 */
export const replaySelectionSchema = z.discriminatedUnion('by', [
  z.strictObject({ by: z.literal('ids'), ids: z.array(z.uuid()).min(1).max(10_000) }),
  z.strictObject({ by: z.literal('cause'), cause: z.string().regex(causeKeyPattern) }),
  z.strictObject({ by: z.literal('trace'), traceId: z.string().regex(/^[0-9a-f]{32}$/) }),
  z.strictObject({ by: z.literal('filter'), filter: z.strictObject(dlqFilterSchema.shape) }),
]);
export type ReplaySelection = z.infer<typeof replaySelectionSchema>;

/** A selection as a filter plus ids (what the SQL builder needs). */
export function selectionFilter(selection: ReplaySelection): { filter: DlqFilter; ids?: string[] } {
  switch (selection.by) {
    case 'ids':
      return { filter: {}, ids: selection.ids };
    case 'cause':
      return { filter: { cause: selection.cause } };
    case 'trace':
      return { filter: { traceId: selection.traceId } };
    case 'filter':
      return { filter: selection.filter };
  }
}

export function describeSelection(selection: ReplaySelection): string {
  switch (selection.by) {
    case 'ids':
      return selection.ids.length === 1 ? `message ${selection.ids[0]}` : `${selection.ids.length} selected messages`;
    case 'cause':
      return `cause ${selection.cause}`;
    case 'trace':
      return `trace ${selection.traceId}`;
    case 'filter':
      return `filter ${JSON.stringify(selection.filter)}`;
  }
}
