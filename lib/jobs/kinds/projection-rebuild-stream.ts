// The rebuild's fold reads the log through a server-side cursor on a plain
// node-postgres connection of its own (one per run): rows arrive as text and go
// straight to the decoder, about three times cheaper per row than the same cursor
// through Prisma's raw queries; the next page is fetched while the current one is
// folded and written. A read-only transaction; its snapshot is the consistent
// read of the whole fold.
import pg from 'pg';
import type { DriftDb } from '../../backbone/projection-drift';
import type { SqlTx } from '../../backbone/ports';

export function pgLogStream(databaseUrl: string): Pick<DriftDb, 'stream'> {
  return {
    async stream<R>(sql: string, params: unknown[], pageSize: number, onPage: (rows: R[]) => Promise<void>) {
      const client = new pg.Client({ connectionString: databaseUrl, application_name: 'signalbox-projection-rebuild' });
      client.on('error', () => {}); // a dropped connection fails the pending query; nothing else listens
      await client.connect();
      try {
        await client.query(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`);
        await client.query(`SET LOCAL work_mem = '256MB'`);
        await client.query(`DECLARE rebuild_log NO SCROLL CURSOR FOR ${sql}`, params);
        const size = Math.max(1, Math.floor(pageSize));
        const fetch = () => {
          const page = client.query<R & pg.QueryResultRow>(`FETCH ${size} FROM rebuild_log`);
          page.catch(() => undefined); // awaited below; only a page nobody waits for any more may fail unseen
          return page;
        };
        // The next page is fetched while this one is folded and written.
        let next = fetch();
        for (;;) {
          const { rows } = await next;
          const more = rows.length === size;
          if (more) next = fetch();
          if (rows.length > 0) await onPage(rows);
          if (!more) break;
        }
        await client.query('COMMIT');
      } finally {
        await client.end().catch(() => undefined);
      }
    },
  };
}

/**
 * A connection of its own for the fold's page writes (the store's bulk upsert, one
 * transaction per page), about twice as fast per row as the same statement through
 * Prisma here. Outside the job's checkpoint transaction, so idempotent by design:
 * each page writes final rows of finished keys, computed from the fixed cut, as
 * upserts; a page written but not checkpointed is written again, identically.
 */
export async function pgPageWriter(databaseUrl: string) {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'signalbox-projection-rebuild' });
  client.on('error', () => {});
  await client.connect();
  const tx: SqlTx = {
    $executeRawUnsafe: async (query, ...values) => (await client.query(query, values)).rowCount ?? 0,
    $queryRawUnsafe: async <T>(query: string, ...values: unknown[]) => (await client.query(query, values)).rows as T,
  };
  return {
    async write(effects: (tx: SqlTx) => Promise<void>): Promise<void> {
      await client.query('BEGIN');
      try {
        await effects(tx);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    },
    end: () => client.end().catch(() => undefined),
  };
}
