// The consumer inbox (dedup) and the compact attempt log, as bulk SQL so a
// batch of events costs a few statements, not a few per event.
import type { Prisma } from './client';

type Tx = Prisma.TransactionClient;

export interface InboxItem {
  eventId: string;
  topic: string;
  partition: number;
  offset: string;
}

/** Inserts inbox rows; returns the event ids that were new (not processed before by this consumer). */
export async function claimInbox(tx: Tx, consumer: string, items: readonly InboxItem[]): Promise<Set<string>> {
  if (items.length === 0) return new Set();
  const rows = await tx.$queryRaw<Array<{ event_id: string }>>`
    INSERT INTO consumer_inbox (consumer, event_id, topic, partition, "offset")
    SELECT ${consumer}, e, t, p, o::bigint
    FROM unnest(${items.map((i) => i.eventId)}::uuid[], ${items.map((i) => i.topic)}::text[],
                ${items.map((i) => i.partition)}::int[], ${items.map((i) => i.offset)}::text[]) AS x(e, t, p, o)
    ON CONFLICT DO NOTHING
    RETURNING event_id::text`;
  return new Set(rows.map((r) => r.event_id));
}

export type AttemptOutcome = 'ok' | 'duplicate' | 'retry' | 'dead_lettered';

export interface AttemptRecord {
  consumer: string;
  eventId: string | null;
  traceId: string | null;
  topic: string;
  partition: number;
  offset: string;
  attempt: number;
  outcome: AttemptOutcome;
  durationMs: number;
  errorClass?: string | null;
  errorMessage?: string | null;
}

export async function recordAttempts(tx: Tx, records: readonly AttemptRecord[]): Promise<void> {
  if (records.length === 0) return;
  await tx.$executeRaw`
    INSERT INTO consumer_attempts (consumer, event_id, trace_id, topic, partition, "offset", attempt, outcome, duration_ms, error_class, error_message)
    SELECT c, e, tr, t, p, o::bigint, a, oc::"AttemptOutcome", d, ec, em
    FROM unnest(${records.map((r) => r.consumer)}::text[], ${records.map((r) => r.eventId)}::uuid[],
                ${records.map((r) => r.traceId)}::text[], ${records.map((r) => r.topic)}::text[],
                ${records.map((r) => r.partition)}::int[], ${records.map((r) => r.offset)}::text[],
                ${records.map((r) => r.attempt)}::int[], ${records.map((r) => r.outcome)}::text[],
                ${records.map((r) => Math.round(r.durationMs))}::int[], ${records.map((r) => r.errorClass ?? null)}::text[],
                ${records.map((r) => (r.errorMessage ?? null)?.slice(0, 1000) ?? null)}::text[])
         AS x(c, e, tr, t, p, o, a, oc, d, ec, em)`;
}
