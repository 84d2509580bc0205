// Sequenced dead-lettering (docs/dlq.md), the pure rules. A consumer that opts in
// never applies an event of a subject while an earlier event of that subject is in
// its DLQ (open, being replayed, or itself parked): the later event is PARKED behind
// that earlier one (stored, not applied) and reaches the consumer again, in order,
// when the earlier one is replayed (a replay sends a head's parked events right after
// it) or discarded (its parked events are released).
//
// "Earlier" is the original position (topic, partition, offset): one subject's events
// share a key, hence a partition, so positions order them. A replayed record is placed
// at its original position (lineage headers), not at its offset on the replay topic.

export interface Position {
  topic: string;
  partition: number;
  /** Kafka offset as a decimal string (64-bit). */
  offset: string;
}

/** A stored row's position (offset as read from the database). */
export interface Stored {
  topic: string;
  partition: number;
  offset: string | bigint;
}

/** A DLQ row of a subject that holds the subject's later events back. */
export interface SubjectHead extends Position {
  id: string;
  subject: string;
}

/** Orders positions; offsets as decimal strings or bigints. */
export function comparePositions(a: Position | Stored, b: Position | Stored): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  if (a.partition !== b.partition) return a.partition - b.partition;
  const x = BigInt(a.offset);
  const y = BigInt(b.offset);
  return x === y ? 0 : x < y ? -1 : 1;
}

/** The earliest blocking row of each subject. */
export function headsBySubject(rows: readonly SubjectHead[]): Map<string, SubjectHead> {
  const heads = new Map<string, SubjectHead>();
  for (const row of rows) {
    const current = heads.get(row.subject);
    if (!current || comparePositions(row, current) < 0) heads.set(row.subject, row);
  }
  return heads;
}

/**
 * The DLQ row an event must wait behind, or null when it may be applied: its subject
 * has a blocking row at an earlier position that is not the event's own row (a replay
 * of the head itself, or a redelivery of an event already stored at that position).
 */
export function blockerOf(event: { subject: string | null; position: Position; ownDlqId: string | null }, heads: ReadonlyMap<string, SubjectHead>): string | null {
  if (!event.subject) return null;
  const head = heads.get(event.subject);
  if (!head || head.id === event.ownDlqId) return null;
  return comparePositions(head, event.position) < 0 ? head.id : null;
}

/**
 * A replay batch with each head's parked events right after it (in original order), so
 * one subject's events reach the replay topic, under one key, in their first order.
 * Rows present as both (a redone batch) are sent once.
 */
export function withFollowers<R extends Stored & { id: string; parkedBehind: string | null }>(heads: readonly R[], followers: readonly R[]): R[] {
  const byHead = new Map<string, R[]>();
  for (const f of [...followers].sort(comparePositions)) {
    if (!f.parkedBehind) continue;
    byHead.set(f.parkedBehind, [...(byHead.get(f.parkedBehind) ?? []), f]);
  }
  const seen = new Set<string>();
  const out: R[] = [];
  const push = (r: R) => {
    if (seen.has(r.id)) return;
    seen.add(r.id);
    out.push(r);
  };
  for (const head of heads) {
    push(head);
    for (const f of byHead.get(head.id) ?? []) push(f);
  }
  return out;
}

export const PARKED_ERROR_CLASS = 'SequencedDeadLetter';

/** What a parked row says instead of an error (one cause for all parked rows: uuids are masked). */
export function parkedMessage(behind: string, subject: string): string {
  return `Parked behind dead letter ${behind}: an earlier event of subject ${subject} is in the DLQ (sequenced dead-lettering). Replay or discard that one first; this one follows it.`;
}

/**
 * Releasing the events parked behind discarded rows: per consumer and subject the
 * earliest becomes the new head (open, replayed first), the others wait behind it, so
 * a replay of the heads still sends them in their first order.
 */
export function releasePlan<R extends Stored & { id: string; consumer: string; subject: string | null }>(rows: readonly R[]): { heads: R[]; behind: { id: string; head: string }[] } {
  const firsts = new Map<string, R>();
  const sorted = [...rows].sort(comparePositions);
  const heads: R[] = [];
  const behind: { id: string; head: string }[] = [];
  for (const row of sorted) {
    const key = `${row.consumer}\u0000${row.subject ?? row.id}`;
    const first = firsts.get(key);
    if (first) behind.push({ id: row.id, head: first.id });
    else {
      firsts.set(key, row);
      heads.push(row);
    }
  }
  return { heads, behind };
}

/**
 * A head was applied and resolved while events of its subject still wait behind it:
 * those being replayed (in flight) follow it as planned; those parked after the
 * replay was sent (not in flight) would wait for ever, so they move behind the last
 * in-flight one, or, with none in flight, the earliest of them becomes open (the
 * subject's new head, to be replayed) and the others wait behind it.
 */
export function afterHeadResolved<R extends Stored & { id: string; status: string }>(waiting: readonly R[]): { open: string | null; behind: { id: string; head: string }[] } {
  const sorted = [...waiting].sort(comparePositions);
  const stragglers = sorted.filter((r) => r.status === 'parked');
  if (stragglers.length === 0) return { open: null, behind: [] };
  const lastInFlight = sorted.filter((r) => r.status === 'replaying').at(-1);
  if (lastInFlight) return { open: null, behind: stragglers.map((r) => ({ id: r.id, head: lastInFlight.id })) };
  const [first, ...rest] = stragglers;
  return { open: first!.id, behind: rest.map((r) => ({ id: r.id, head: first!.id })) };
}
