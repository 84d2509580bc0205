// The rebuild's fold reads the log through a server-side cursor on a plain
// node-postgres connection of its own (one per run): rows arrive as text and go
// straight to the decoder, about three times cheaper per row than the same cursor
// through Prisma's raw queries; the next page is fetched while the current one is
// folded and written. A read-only transaction; its snapshot is the consistent
// read of the whole fold.
import pg from 'pg';
import type { DriftDb } from '../../backbone/projection-drift';

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
