// The incremental drift check's bookkeeping, pure (docs/projections.md "Incremental
// drift checks"). A base is the recomputation of one projection version from the log,
// kept between checks: its rows (a table of the version's shape), the cut they stand at
// (offsets per topic and partition — never outbox positions, which are not commit
// order), a stamp of what produced them, and their per-bucket checksums. A check may
// build on it only when the stamp and bucket count match and the new cut is at or past
// it on every partition; it then folds only the events in (base cut, new cut].
// The checksums are carried forward from the touched keys' hashes before and after
// that fold; the comparison scans the whole base anyway, and a base whose scanned
// checksums differ from the carried ones was changed behind the check's back (or
// truncated: the rows table is UNLOGGED) and is not trusted.
import { createHash } from 'node:crypto';

export interface CutOffset {
  topic: string;
  partition: number;
  /** A Kafka offset as decimal text (bigint). */
  offset: string;
}

/** Per bucket: row count and XOR of 64-bit row hashes (signed decimal text, as PostgreSQL's bigint). */
export type BucketChecksums = Record<string, { n: number; h: string }>;

export interface StoredBase {
  tableName: string;
  stamp: string;
  buckets: number;
  cut: readonly CutOffset[];
  checksums: BucketChecksums;
}

export interface BaseWanted {
  tableName: string;
  stamp: string;
  buckets: number;
}

/** What to fold onto a valid base: per partition of the new cut, the events after `after` (null: from the start) up to `upTo`. */
export interface DeltaRange {
  topic: string;
  partition: number;
  after: string | null;
  upTo: string;
}

export type BaseVerdict =
  | { usable: true; delta: DeltaRange[] }
  | { usable: false; reason: string };

const DECIMAL = /^-?\d+$/;
const at = (c: Pick<CutOffset, 'topic' | 'partition'>) => `${c.topic}\u0000${c.partition}`;

/** Whether a stored base can be brought to `cut` by folding events after its own cut; if so, which ones. */
export function judgeBase(stored: StoredBase | null, wanted: BaseWanted, cut: readonly CutOffset[]): BaseVerdict {
  if (!stored) return { usable: false, reason: 'no base yet' };
  if (stored.tableName !== wanted.tableName) return { usable: false, reason: `base is of table ${stored.tableName}, not ${wanted.tableName}` };
  if (stored.stamp !== wanted.stamp) return { usable: false, reason: 'the projection code or columns changed since the base was built' };
  if (stored.buckets !== wanted.buckets) return { usable: false, reason: `base checksums are over ${stored.buckets} buckets, not ${wanted.buckets}` };
  const now = new Map(cut.map((c) => [at(c), c]));
  for (const b of stored.cut) {
    const c = now.get(at(b));
    if (!c) return { usable: false, reason: `partition ${b.topic}/${b.partition} of the base is not in the checkpoints` };
    if (!DECIMAL.test(b.offset) || !DECIMAL.test(c.offset)) return { usable: false, reason: `invalid offset at ${b.topic}/${b.partition}` };
    if (BigInt(b.offset) > BigInt(c.offset)) {
      return { usable: false, reason: `checkpoint ${b.topic}/${b.partition} went back (${c.offset} < base ${b.offset})` };
    }
  }
  const before = new Map(stored.cut.map((b) => [at(b), b.offset]));
  const delta = cut
    .map((c) => ({ topic: c.topic, partition: c.partition, after: before.get(at(c)) ?? null, upTo: c.offset }))
    .filter((d) => d.after === null || BigInt(d.after) < BigInt(d.upTo));
  return { usable: true, delta };
}

/** Checksums after replacing the touched keys' rows: stored − before + after (XOR is its own inverse). */
export function carryChecksums(stored: BucketChecksums, before: BucketChecksums, after: BucketChecksums): BucketChecksums {
  const out: BucketChecksums = {};
  const buckets = new Set([...Object.keys(stored), ...Object.keys(before), ...Object.keys(after)]);
  for (const b of buckets) {
    const n = (stored[b]?.n ?? 0) - (before[b]?.n ?? 0) + (after[b]?.n ?? 0);
    const h = BigInt(stored[b]?.h ?? '0') ^ BigInt(before[b]?.h ?? '0') ^ BigInt(after[b]?.h ?? '0');
    if (n < 0) throw new Error(`bucket ${b}: carried row count went negative`);
    if (n > 0 || h !== 0n) out[b] = { n, h: BigInt.asIntN(64, h).toString() };
  }
  return out;
}

/** Buckets whose count or hash differ (an empty bucket is absent or {n: 0, h: '0'}). */
export function differingBuckets(a: BucketChecksums, b: BucketChecksums): string[] {
  const norm = (x: { n: number; h: string } | undefined) => `${x?.n ?? 0}:${BigInt(x?.h ?? '0')}`;
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => norm(a[k]) !== norm(b[k])).sort((x, y) => Number(x) - Number(y));
}

export interface StampParts {
  projection: string;
  /** Bumped by hand when code the evolve calls (helpers, libraries) changes what it computes. */
  codeVersion?: string;
  evolveSource: string;
  keyOfSource: string;
  handles: readonly string[];
  topics: readonly string[];
  keyColumn: string;
  compareColumns: readonly string[];
  columns: readonly string[];
}

/** Identity of what produced a base: a changed evolve, key, columns or hand-set code version gives another stamp. */
export function baseStamp(p: StampParts): string {
  const text = JSON.stringify([
    p.projection, p.codeVersion ?? '', p.evolveSource, p.keyOfSource, [...p.handles].sort(), [...p.topics].sort(),
    p.keyColumn, [...p.compareColumns], [...p.columns],
  ]);
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/** The base rows' table for a version table: `<table>__drift_base`, shortened with a hash past PostgreSQL's 63 characters. */
export function baseTableName(table: string): string {
  const name = `${table}__drift_base`;
  if (name.length <= 63) return name;
  const hash = createHash('sha256').update(table).digest('hex').slice(0, 8);
  return `${table.slice(0, 63 - '__drift_base_'.length - 8)}__drift_base_${hash}`;
}
