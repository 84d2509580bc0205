import type pg from 'pg';

/** A function returning the single value of a `SELECT count(*) …` over a pool or a client. */
export function sqlCounter(pool: pg.Pool | pg.Client) {
  return async (sql: string, ...params: unknown[]): Promise<number> => {
    const row = (await pool.query(sql, params)).rows[0] as Record<string, unknown>;
    return Number(Object.values(row)[0]);
  };
}
