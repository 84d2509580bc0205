// Reading the event log fast, shared by the drift check's recomputation and the
// rebuild's fold (docs/projections.md "Reading the log"): a server-side cursor on
// a plain node-postgres connection of its own, envelopes selected as text and
// handed straight to the cheap decoder (lib/backbone/recompute-projection.ts
// decodeLogged) — about three times cheaper per row than the same cursor through
// Prisma's raw queries; the next page is fetched while the current one is folded
// and written. A read-only transaction; its snapshot is the consistent read of the
// whole fold.
// pgDriftDb: the drift check on node-postgres connections (snapshot, stream); the
// recomputed rows go into the snapshot connection's temp table from there.
import pg from 'pg';
import type { DriftDb } from '../../backbone/projection-drift';
import type { SqlTx } from '../../backbone/ports';
import { copyFromStdin } from './copy-in';

const APP = 'signalbox-projection-log';

async function connect(databaseUrl: string, application: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: application });
  client.on('error', () => {}); // a dropped connection fails the pending query; nothing else listens
  await client.connect();
  return client;
}

function txOf(client: pg.Client): SqlTx {
  return {
    $executeRawUnsafe: async (query, ...values) => (await client.query(query, values)).rowCount ?? 0,
    $queryRawUnsafe: async <T>(query: string, ...values: unknown[]) => (await client.query(query, values)).rows as T,
  };
}

export function pgLogStream(databaseUrl: string, application = APP): Pick<DriftDb, 'stream'> {
  return {
    async stream<R>(sql: string, params: unknown[], pageSize: number, onPage: (rows: R[]) => Promise<void>) {
      const client = await connect(databaseUrl, application);
      try {
        await client.query(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`);
        await client.query(`SET LOCAL work_mem = '256MB'`);
        await client.query(`DECLARE event_log NO SCROLL CURSOR FOR ${sql}`, params);
        const size = Math.max(1, Math.floor(pageSize));
        const fetch = () => {
          const page = client.query<R & pg.QueryResultRow>(`FETCH ${size} FROM event_log`);
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
 * A connection of its own for a fold's page writes (the store's bulk statement, one
 * transaction per page), about twice as fast per row as the same statement through
 * Prisma here. Outside the job's checkpoint transaction, so the caller's writes
 * must be idempotent (the rebuild writes final rows of finished keys as upserts).
 */
export async function pgPageWriter(databaseUrl: string, application = APP) {
  const client = await connect(databaseUrl, application);
  const tx = txOf(client);
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

/**
 * The drift check's database on node-postgres: the snapshot (REPEATABLE READ,
 * TimeZone UTC) on a connection of its own — the temp table of the recomputation
 * lives there and is written through it — and the log read by pgLogStream.
 * `sql`: statements outside the snapshot (the wait for unpublished rows).
 */
export function pgDriftDb(databaseUrl: string, sql: SqlTx): DriftDb {
  const clients = new WeakMap<SqlTx, pg.Client>();
  return {
    async snapshot(fn) {
      const client = await connect(databaseUrl, 'signalbox-drift-check');
      try {
        await client.query(`BEGIN ISOLATION LEVEL REPEATABLE READ`);
        await client.query(`SET LOCAL TimeZone = 'UTC'`);
        await client.query(`SET LOCAL work_mem = '256MB'`);
        const tx = txOf(client);
        clients.set(tx, client);
        const result = await fn(tx);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    stream: pgLogStream(databaseUrl, 'signalbox-drift-check').stream,
    sql,
    async copyInto(tx, table, columns, values) {
      const client = clients.get(tx);
      if (!client) throw new Error('copyInto: not a snapshot of this pgDriftDb');
      if (!/^("[^"]+"|\w+)$/.test(table) || !columns.every((c) => /^\w+$/.test(c))) throw new Error(`copyInto: unexpected table or columns ${table} (${columns.join(', ')})`);
      const n = values[0]?.length ?? 0;
      if (n === 0) return;
      await copyFromStdin(client, `COPY ${table} (${columns.join(', ')}) FROM STDIN`, () => copyText(values, n));
    },
  };
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One value in COPY's text format. */
function copyValue(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'boolean') return v ? 't' : 'f';
  const text = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[\\\t\n\r]/.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : text;
}

/** Column arrays as COPY text lines, about 1,000 rows a chunk. */
function* copyText(values: readonly unknown[][], n: number): Generator<Buffer> {
  let lines: string[] = [];
  for (let i = 0; i < n; i++) {
    lines.push(values.map((column) => copyValue(column[i])).join('\t'));
    if (lines.length === 1_000) {
      yield Buffer.from(lines.join('\n') + '\n');
      lines = [];
    }
  }
  if (lines.length > 0) yield Buffer.from(lines.join('\n') + '\n');
}
