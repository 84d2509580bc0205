// Pure helpers of the outbox relay: which claimed rows may go out, what the Kafka
// message for a row looks like, and which partition/offset each message got.

/** Where one published message landed. Offsets stay strings (int64). */
export interface Placement {
  partition: number;
  offset: string;
}

/**
 * Rows come back in position order with `locked = false` where SKIP LOCKED passed a
 * row over (another transaction holds it). Publishing a lane's later rows without
 * the skipped one would break that lane's order, so each lane stops at its first gap.
 */
export function claimablePrefix<R extends { lane: number; locked: boolean }>(rows: readonly R[]): R[] {
  const gapped = new Set<number>();
  const out: R[] = [];
  for (const row of rows) {
    if (!row.locked) gapped.add(row.lane);
    else if (!gapped.has(row.lane)) out.push(row);
  }
  return out;
}

export interface RelayRow {
  eventId: string;
  type: string;
  version: number;
  subject: string;
  envelope: string;
  headers: Record<string, unknown>;
}

export interface RelayMessage {
  key: string;
  value: string;
  headers: Record<string, string>;
}

/** Key = subject (one aggregate, one partition, in order); value = the stored envelope JSON. */
export function toRelayMessage(row: RelayRow, traceparent: string): RelayMessage {
  const extra: Record<string, string> = {};
  // Headers stored with the row (strings only) travel too; ours win on a clash.
  for (const [name, value] of Object.entries(row.headers ?? {})) if (typeof value === 'string') extra[name] = value;
  return {
    key: row.subject,
    value: row.envelope,
    headers: {
      ...extra,
      traceparent,
      'ce-id': row.eventId,
      'ce-type': row.type,
      'ce-version': String(row.version),
      'content-type': 'application/json',
    },
  };
}

export interface SentMessage {
  topic: string;
  partition: number;
}

/** One entry of a produce response: the first offset written to a partition. */
export interface PartitionResult {
  topicName: string;
  partition: number;
  baseOffset?: string;
}

/**
 * Offsets of each message of one produce request. Messages for one partition form one
 * record batch written at consecutive offsets from baseOffset, in the order they were
 * given, so message k of a partition (counting in request order) is at baseOffset + k.
 */
export function assignPlacements(sent: readonly SentMessage[], results: readonly PartitionResult[]): Placement[] {
  const base = new Map<string, bigint>();
  for (const r of results) {
    if (r.baseOffset === undefined || r.baseOffset === null) continue;
    base.set(`${r.topicName}\u0000${r.partition}`, BigInt(r.baseOffset));
  }
  const seen = new Map<string, bigint>();
  return sent.map(({ topic, partition }) => {
    const id = `${topic}\u0000${partition}`;
    const first = base.get(id);
    if (first === undefined || first < 0n) throw new Error(`no offset for ${topic}[${partition}] in the produce response`);
    const index = seen.get(id) ?? 0n;
    seen.set(id, index + 1n);
    return { partition, offset: (first + index).toString() };
  });
}
