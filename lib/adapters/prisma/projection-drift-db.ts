// The drift check's database access over Prisma: a long REPEATABLE READ
// transaction for the snapshot side, a cursor in its own transaction for reading
// the log in key order, and the pool for everything else.
import type { DriftDb, DriftResult } from '../../backbone/projection-drift';
import type { Db } from './client';

export function prismaDriftDb(db: Db, options: { timeoutMs?: number } = {}): DriftDb {
  const timeout = options.timeoutMs ?? 30 * 60_000;
  return {
    snapshot: (fn) =>
      db.$transaction(async (tx) => {
        await tx.$executeRawUnsafe(`SET LOCAL TimeZone = 'UTC'`);
        return fn(tx);
      }, { isolationLevel: 'RepeatableRead', timeout, maxWait: 30_000 }),
    async stream(sql, params, pageSize, onPage) {
      await db.$transaction(async (tx) => {
        await tx.$executeRawUnsafe(`DECLARE drift_log NO SCROLL CURSOR FOR ${sql}`, ...params);
        for (;;) {
          const rows = await tx.$queryRawUnsafe<never[]>(`FETCH ${Math.max(1, Math.floor(pageSize))} FROM drift_log`);
          if (rows.length > 0) await onPage(rows);
          if (rows.length < pageSize) return;
        }
      }, { timeout, maxWait: 30_000 });
    },
    sql: db,
  };
}

/** Stores a finished (or failed) drift check; returns its id. */
export async function saveDriftReport(
  db: Pick<Db, '$queryRawUnsafe'>,
  r: { projection: string; version: number; jobId: string | null; startedAt: Date; result?: DriftResult; table: string; error?: string },
): Promise<string> {
  const x = r.result;
  const status = r.error ? 'failed' : x && x.missing + x.extra + x.different > 0 ? 'drift' : 'clean';
  const rows = await db.$queryRawUnsafe<Array<{ id: string }>>(
    `INSERT INTO drift_reports (id, projection, version, table_name, job_id, status, started_at, finished_at, checkpoints, rows_expected, rows_actual,
       rows_compared, missing, extra, different, drift_pct, buckets, buckets_differing, events_read, unconfirmed, samples, error)
     VALUES (gen_random_uuid(), $1, $2, $3, $4::uuid, $5, $6, now(), $7::jsonb, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19::jsonb, $20)
     RETURNING id::text`,
    r.projection, r.version, r.table, r.jobId, status, r.startedAt, JSON.stringify(x?.checkpoints ?? []),
    x?.rowsExpected ?? 0, x?.rowsActual ?? 0, x?.rowsCompared ?? 0, x?.missing ?? 0, x?.extra ?? 0, x?.different ?? 0,
    x?.driftPct ?? 0, x?.buckets ?? 0, x?.bucketsDiffering ?? 0, x?.eventsRead ?? 0, x?.unconfirmed ?? 0,
    JSON.stringify(x?.samples ?? []), r.error ?? null,
  );
  return rows[0]!.id;
}
