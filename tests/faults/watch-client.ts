// A short-lived PostgreSQL connection to the run's own cluster, for the harness to
// watch pg_stat_activity, heartbeats or the inbox while it injects a fault.
import pg from 'pg';
import type { FaultContext } from './run-scenario';

export async function withWatchClient<T>(ctx: FaultContext, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ctx.sys.url, application_name: 'signalbox-fault-watch' });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
