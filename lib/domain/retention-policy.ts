// Which rows are old enough to delete: pure cutoff math from "now" and the configured
// ages. Only operational records are pruned; the outbox (the event log) and the inbox
// (the dedup record) are kept, see docs/retention-and-sizing.md.

/** Tables the maintenance worker prunes, oldest rows first. */
export const PRUNABLE_TABLES = ['consumer_attempts', 'idempotency_keys'] as const;
export type PrunableTable = (typeof PRUNABLE_TABLES)[number];

/** How long rows of each prunable table are kept, in days. */
export type RetentionPolicy = Record<PrunableTable, number>;

export const DEFAULT_RETENTION_DAYS: RetentionPolicy = {
  // Well past the Overview's 5-minute window and a week of trace-timeline look-backs.
  consumer_attempts: 7,
  // Far beyond any client's retry window; a key older than this is never replayed.
  idempotency_keys: 30,
};

export const MAX_RETENTION_DAYS = 3650;
const DAY_MS = 86_400_000;

export interface RetentionCutoff {
  table: PrunableTable;
  /** Rows whose time column is strictly before this are expired. */
  cutoff: Date;
}

/**
 * One cutoff per prunable table. Refuses ages that would delete everything (0 or less)
 * or are not whole days, so a configuration mistake can never empty a table.
 */
export function retentionCutoffs(now: Date, policy: RetentionPolicy): RetentionCutoff[] {
  if (Number.isNaN(now.getTime())) throw new RangeError('retention: now is not a valid date');
  return PRUNABLE_TABLES.map((table) => {
    const days = policy[table];
    if (!Number.isInteger(days) || days < 1 || days > MAX_RETENTION_DAYS) {
      throw new RangeError(`retention: ${table} must be kept 1-${MAX_RETENTION_DAYS} whole days, got ${days}`);
    }
    return { table, cutoff: new Date(now.getTime() - days * DAY_MS) };
  });
}
