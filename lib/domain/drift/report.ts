// What a drift check reports, and the pure arithmetic behind it: the drift share,
// per-column differences of a sampled row, and which rows to sample.
export type DriftKind = 'missing' | 'extra' | 'different';

export interface ColumnDiff {
  column: string;
  expected: unknown;
  actual: unknown;
}

export interface DriftSample {
  key: string;
  kind: DriftKind;
  /** Only the columns that differ (every column for a missing or extra row). */
  columns: ColumnDiff[];
}

export interface DriftCounts {
  rowsExpected: number;
  rowsActual: number;
  missing: number;
  extra: number;
  different: number;
}

/** Keys on either side: expected rows plus rows only the read model has. */
export function rowsCompared(c: DriftCounts): number {
  return c.rowsExpected + c.extra;
}

/** Divergent rows per 100 compared rows; 0 for two empty sides. */
export function driftPercent(c: DriftCounts): number {
  const compared = rowsCompared(c);
  return compared === 0 ? 0 : ((c.missing + c.extra + c.different) / compared) * 100;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** The compared columns whose values differ; for a one-sided row, every column against null. */
export function columnDiffs(
  columns: readonly string[],
  expected: Record<string, unknown> | null,
  actual: Record<string, unknown> | null,
): ColumnDiff[] {
  return columns
    .map((column) => ({ column, expected: expected ? (expected[column] ?? null) : null, actual: actual ? (actual[column] ?? null) : null }))
    .filter((d) => expected === null || actual === null || !same(d.expected, d.actual));
}

export function driftKindOf(expected: unknown, actual: unknown): DriftKind {
  if (expected === null || expected === undefined) return 'extra';
  if (actual === null || actual === undefined) return 'missing';
  return 'different';
}

/** Up to `perKind` samples of each kind, in key order, so one kind never hides another. */
export function pickSamples(
  rows: ReadonlyArray<{ key: string; expected: Record<string, unknown> | null; actual: Record<string, unknown> | null }>,
  columns: readonly string[],
  perKind: number,
): DriftSample[] {
  const taken: Record<DriftKind, number> = { missing: 0, extra: 0, different: 0 };
  const out: DriftSample[] = [];
  for (const row of [...rows].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
    const kind = driftKindOf(row.expected, row.actual);
    if (taken[kind] >= perKind) continue;
    const diffs = columnDiffs(columns, row.expected, row.actual);
    if (kind === 'different' && diffs.length === 0) continue;
    taken[kind]++;
    out.push({ key: row.key, kind, columns: diffs });
  }
  return out;
}
