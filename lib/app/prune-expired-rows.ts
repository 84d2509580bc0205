import type pg from 'pg';
import { pruneOlderThan, withPrunerLock } from '../adapters/prisma/retention';
import { retentionCutoffs, type PrunableTable, type RetentionPolicy } from '../domain/retention-policy';

export interface PruneExpiredRowsDeps {
  pool: pg.Pool;
  now: () => Date;
  policy: RetentionPolicy;
  batchSize: number;
  pauseMs: number;
  /** Aborting stops the pass after the current batch. */
  signal?: AbortSignal;
}

export interface TablePruned {
  table: PrunableTable;
  cutoff: Date;
  deleted: number;
  batches: number;
}

/** `lockHeld`: another pruner is running, this pass did nothing. */
export type PruneReport = { ran: true; tables: TablePruned[] } | { ran: false; lockHeld: true };

/**
 * One retention pass: under the single-pruner lock, deletes rows older than their table's
 * configured age, in batches. Cutoffs are taken once, at the start of the pass.
 */
export async function pruneExpiredRows(deps: PruneExpiredRowsDeps): Promise<PruneReport> {
  const cutoffs = retentionCutoffs(deps.now(), deps.policy);
  const run = await withPrunerLock(deps.pool, async (db) => {
    const tables: TablePruned[] = [];
    for (const { table, cutoff } of cutoffs) {
      if (deps.signal?.aborted) break;
      const result = await pruneOlderThan(db, table, cutoff, deps.batchSize, { pauseMs: deps.pauseMs, signal: deps.signal });
      tables.push({ table, cutoff, ...result });
    }
    return tables;
  });
  return run.acquired ? { ran: true, tables: run.result } : { ran: false, lockHeld: true };
}
