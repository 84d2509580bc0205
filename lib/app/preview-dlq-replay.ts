// The dry run of a replay: what it would send, to whom, and which gate it must pass.
// Reads only; the same selection SQL as the job (lib/read/dlq-where.ts), open rows.
import type { Db } from '../adapters/prisma/client';
import { confirmationText, replayGateOf, type ReplayGate } from '../domain/dlq/replay-rules';
import { describeSelection, selectionFilter, type ReplaySelection } from '../domain/dlq/selection';
import { dlqMessageWhere, originalOrder } from '../read/dlq-where';
import { parkedBehindCount } from '../adapters/prisma/dlq-parked';

export interface ReplayLimits {
  confirmOver: number;
  approvalOver: number;
}

export interface ReplayPreview {
  selection: string;
  count: number;
  consumers: { consumer: string; count: number }[];
  eventTypes: { eventType: string | null; count: number }[];
  subjects: number;
  /** Sequenced dead-lettering: events parked behind the selected ones, sent right after their head. */
  parked: number;
  sample: { id: string; consumer: string; eventType: string | null; subject: string | null; topic: string; partition: number; offset: string; errorMessage: string }[];
  ordering: string;
  gate: ReplayGate;
  /** What to type to confirm, when the gate is `typed` or `approval`. */
  confirmText: string | null;
}

export async function previewDlqReplay(db: Db, limits: ReplayLimits, selection: ReplaySelection): Promise<ReplayPreview> {
  const { filter, ids } = selectionFilter(selection);
  const where = { AND: [dlqMessageWhere({ ...filter, status: undefined }, ids), { status: 'open' as const, parkedBehind: null }] };
  const [consumers, eventTypes, subjects, sample, parked] = await Promise.all([
    db.dlqMessage.groupBy({ by: ['consumer'], where, _count: { _all: true }, orderBy: { consumer: 'asc' } }),
    db.dlqMessage.groupBy({ by: ['eventType'], where, _count: { _all: true }, orderBy: { eventType: 'asc' } }),
    db.dlqMessage.groupBy({ by: ['subject'], where: { AND: [where, { subject: { not: null } }] }, _count: { _all: true } }),
    db.dlqMessage.findMany({ where, orderBy: originalOrder, take: 10 }),
    parkedBehindCount(db, where),
  ]);
  const count = consumers.reduce((n, c) => n + c._count._all, 0);
  const gate = replayGateOf(count, limits);
  return {
    selection: describeSelection(selection),
    count,
    consumers: consumers.map((c) => ({ consumer: c.consumer, count: c._count._all })),
    eventTypes: eventTypes.map((t) => ({ eventType: t.eventType, count: t._count._all })),
    subjects: subjects.length,
    parked,
    sample: sample.map((r) => ({
      id: r.id, consumer: r.consumer, eventType: r.eventType, subject: r.subject, topic: r.topic, partition: r.partition, offset: String(r.offset),
      errorMessage: r.errorMessage.slice(0, 200),
    })),
    ordering: `Each consumer gets only its own messages, through its replay topic, in original order (topic, partition, offset) with the original key: the messages of one subject arrive in the order they first did.${parked ? ` The ${parked} events parked behind them (sequenced dead-lettering) follow their head, in order.` : ''}`,
    gate,
    confirmText: gate === 'none' ? null : confirmationText(count),
  };
}
