// One active lag sampler however many run: a session-level advisory lock held on a
// dedicated connection for as long as the sampler is active. If that connection dies,
// PostgreSQL releases the lock and a standby takes over on its next try.
import type pg from 'pg';

/** Any fixed bigint, distinct from the relay's lane locks and the pruner's key. */
export const SAMPLER_LOCK = 0x1a65_5a3e;

export interface Leadership {
  /** Still holding the lock? Checks the connection with a round trip. */
  check(): Promise<boolean>;
  release(): Promise<void>;
}

/** `key`: another single-active process (the checker) passes its own lock key. */
export async function tryLeadership(pool: pg.Pool, key: number = SAMPLER_LOCK): Promise<Leadership | null> {
  const client = await pool.connect();
  let lost = false;
  const onError = () => {
    lost = true;
  };
  client.on('error', onError);
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [key]);
    if (!rows[0]?.locked) {
      client.off('error', onError);
      client.release();
      return null;
    }
  } catch (error) {
    client.off('error', onError);
    client.release(true);
    throw error;
  }
  return {
    async check() {
      if (lost) return false;
      try {
        await client.query('SELECT 1');
        return true;
      } catch {
        lost = true;
        return false;
      }
    },
    async release() {
      client.off('error', onError);
      if (!lost) await client.query('SELECT pg_advisory_unlock($1)', [key]).catch(() => (lost = true));
      client.release(lost);
    },
  };
}

/**
 * One tick's leadership step for a single-active process (`name`: "lag sampler", "checker"):
 * drops a leadership whose connection lost the lock, then tries to take it when not held.
 * `gained` is true on the tick that became active (to reload state, say so).
 */
export async function keepOrTakeLeadership(
  pool: pg.Pool,
  current: Leadership | null,
  key: number,
  name: string,
  log: { warn(line: string): void; info(line: string): void },
): Promise<{ leadership: Leadership | null; gained: boolean }> {
  if (current && !(await current.check())) {
    log.warn(`${name}: lost its lock (database connection); standing by`);
    await current.release().catch(() => {});
    current = null;
  }
  if (current) return { leadership: current, gained: false };
  const leadership = await tryLeadership(pool, key);
  if (leadership) log.info(`${name}: active (holds its lock)`);
  return { leadership, gained: leadership !== null };
}
