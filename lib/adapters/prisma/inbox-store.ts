// The consumer inbox (dedup) and the compact attempt log, as bulk SQL so a
// batch of events costs a few statements, not a few per event. Implements the
// backbone's InboxStore and AttemptLog ports.
import type { AttemptLog, InboxStore } from '../../backbone/ports';
import type { Prisma } from './client';

type Tx = Prisma.TransactionClient;

export const prismaInbox: InboxStore<Tx> = {
  async claim(tx, consumer, items) {
    if (items.length === 0) return new Set();
    const rows = await tx.$queryRaw<Array<{ event_id: string }>>`
      INSERT INTO consumer_inbox (consumer, event_id, topic, partition, "offset")
      SELECT ${consumer}, e, t, p, o::bigint
      FROM unnest(${items.map((i) => i.eventId)}::uuid[], ${items.map((i) => i.topic)}::text[],
                  ${items.map((i) => i.partition)}::int[], ${items.map((i) => i.offset)}::text[]) AS x(e, t, p, o)
      ON CONFLICT DO NOTHING
      RETURNING event_id::text`;
    return new Set(rows.map((r) => r.event_id));
  },
};

export const prismaAttemptLog: AttemptLog<Tx> = {
  async record(tx, records) {
    if (records.length === 0) return;
    await tx.$executeRaw`
      INSERT INTO consumer_attempts (consumer, event_id, trace_id, topic, partition, "offset", attempt, outcome, duration_ms, error_class, error_message)
      SELECT c, e, tr, t, p, o::bigint, a, oc::"AttemptOutcome", d, ec, em
      FROM unnest(${records.map((r) => r.consumer)}::text[], ${records.map((r) => r.eventId)}::uuid[],
                  ${records.map((r) => r.traceId)}::text[], ${records.map((r) => r.topic)}::text[],
                  ${records.map((r) => r.partition)}::int[], ${records.map((r) => r.offset)}::text[],
                  ${records.map((r) => r.attempt)}::int[], ${records.map((r) => r.outcome)}::text[],
                  ${records.map((r) => Math.round(r.durationMs))}::int[], ${records.map((r) => r.errorClass)}::text[],
                  ${records.map((r) => r.errorMessage?.slice(0, 1000) ?? null)}::text[])
           AS x(c, e, tr, t, p, o, a, oc, d, ec, em)`;
  },
};
