// Lag of one consumer group on one partition, from the three offsets Kafka reports.
// Pure. Offsets are JavaScript numbers: exact up to 2^53, far beyond any real log.

export interface PartitionOffsets {
  topic: string;
  partition: number;
  /** First offset still in the log (log start; moves up when retention deletes segments). */
  logStart: number;
  /** High watermark: the offset the next produced message will get. */
  end: number;
  /** The group's committed offset (next offset it will read), or null when it has none. */
  committed: number | null;
}

export interface PartitionLag extends PartitionOffsets {
  /**
   * end − committed, exactly as Kafka's consumer-groups tool computes its LAG column;
   * null when the group has no committed offset here ("no commit", never 0).
   */
  lag: number | null;
  /** Committed offset below the log start: messages were deleted before the group read them. */
  dataLoss: boolean;
  /** Messages deleted unread (log start − committed) when dataLoss, else 0. */
  lostMessages: number;
}

/**
 * Kafka stores "no offset" as -1 (and kafkajs's resetOffsets writes the sentinels -1/-2):
 * any negative or missing committed offset means the group has not committed here.
 */
export function parseCommitted(raw: string | number | null | undefined): number | null {
  if (raw === null || raw === undefined || raw === '') return null;
  const n = typeof raw === 'number' ? raw : Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : null;
}

export function partitionLag(o: PartitionOffsets): PartitionLag {
  const { topic, partition, logStart, end, committed } = o;
  // Fields listed rather than spread: a snapshot builds 12,000 of these, and object spread
  // cost ~4 µs each on Node 20 against ~0.03 µs for a literal (bench/lag.ts).
  if (committed === null) return { topic, partition, logStart, end, committed, lag: null, dataLoss: false, lostMessages: 0 };
  const dataLoss = committed < logStart;
  return { topic, partition, logStart, end, committed, lag: end - committed, dataLoss, lostMessages: dataLoss ? logStart - committed : 0 };
}

/**
 * Messages still to read on a partition, for health and totals: never negative; a
 * partition without a commit counts what is in the log (the project's consumers start
 * from the beginning), a partition with data loss counts only what is still there.
 */
export function pendingMessages(p: PartitionLag): number {
  if (p.committed === null) return Math.max(0, p.end - p.logStart);
  return Math.max(0, p.end - Math.max(p.committed, p.logStart));
}

/** Offset of the first message the group has yet to read that is still in the log. */
export function firstUnconsumedOffset(p: PartitionLag): number {
  return p.committed === null ? p.logStart : Math.max(p.committed, p.logStart);
}
