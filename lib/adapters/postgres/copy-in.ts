// COPY … FROM STDIN over a node-postgres client, without pg-copy-streams: a
// "submittable" that pg's client drives (submit → copyInResponse → chunks →
// copyDone → commandComplete → readyForQuery). Chunks come from a generator and
// are queued on the socket as they are made (pg's sendCopyFromChunk does not
// report back-pressure). Resolves the row count.
import type pg from 'pg';

interface Connection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
}

export function copyFromStdin(client: pg.PoolClient | pg.Client, sql: string, chunks: () => Iterable<Buffer>): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let rows = 0;
    let failed = false;
    const submittable = {
      submit(connection: Connection) {
        connection.query(sql);
      },
      handleCopyInResponse(connection: Connection) {
        const it = chunks()[Symbol.iterator]();
        try {
          for (let next = it.next(); !next.done; next = it.next()) connection.sendCopyFromChunk(next.value);
          connection.endCopyFrom();
        } catch (error) {
          connection.sendCopyFail(error instanceof Error ? error.message : String(error));
        }
      },
      handleCommandComplete(msg: { text?: string }) {
        rows = Number(/COPY (\d+)/.exec(msg.text ?? '')?.[1] ?? 0);
      },
      handleReadyForQuery() {
        if (!failed) resolve(rows);
      },
      handleError(error: Error) {
        failed = true;
        reject(error);
      },
      handleEmptyQuery() {},
      handleRowDescription() {},
      handleDataRow() {},
      handleCopyData() {},
    };
    (client as unknown as { query(s: unknown): void }).query(submittable);
  });
}
