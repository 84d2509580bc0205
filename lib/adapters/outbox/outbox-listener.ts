// LISTEN on the outbox channel over one connection held from the pool, so the relay
// wakes as soon as a writer commits. Notifications are only a hint (the relay also
// polls); a dropped connection is replaced, with one log line when it is lost and
// one when it is back.
import type pg from 'pg';
import { errorMessageOf } from '../../errors';
import { OUTBOX_CHANNEL } from './outbox-writer';

export interface ListenerLogger {
  info(message: string): void;
  warn(message: string): void;
}

export interface OutboxListenerOptions {
  pool: pg.Pool;
  onNotify: () => void;
  logger: ListenerLogger;
  channel?: string;
  reconnectMs?: number;
}

export interface OutboxListener {
  /** Whether LISTEN is in place now (notifications can arrive). */
  listening(): boolean;
  close(): Promise<void>;
}

export function listenForOutbox(options: OutboxListenerOptions): OutboxListener {
  const channel = options.channel ?? OUTBOX_CHANNEL;
  const reconnectMs = options.reconnectMs ?? 1_000;
  let closed = false;
  let current: pg.PoolClient | undefined;
  let lost = false;
  let active = false;
  let timer: NodeJS.Timeout | undefined;
  const released = new WeakSet<pg.PoolClient>();

  function release(client: pg.PoolClient, error?: Error): void {
    if (released.has(client)) return;
    released.add(client);
    client.release(error ?? true); // never back to the pool: it is still LISTENing
  }

  function dropped(client: pg.PoolClient | undefined, error: unknown): void {
    if (client) {
      if (released.has(client)) return; // 'error', 'end' and a failed query can all report one loss
      release(client, error instanceof Error ? error : new Error(String(error)));
      if (client !== current) return;
    }
    current = undefined;
    active = false;
    if (closed || timer) return;
    if (!lost) options.logger.warn(`outbox relay: LISTEN ${channel} lost (${errorMessageOf(error)}); polling until it is back`);
    lost = true;
    timer = setTimeout(connect, reconnectMs);
  }

  async function connect(): Promise<void> {
    timer = undefined;
    if (closed) return;
    let client: pg.PoolClient | undefined;
    try {
      client = await options.pool.connect();
      const c = client;
      current = c;
      c.on('notification', (n) => n.channel === channel && options.onNotify());
      c.on('error', (e) => dropped(c, e));
      c.on('end', () => dropped(c, new Error('connection ended')));
      await c.query(`LISTEN ${c.escapeIdentifier(channel)}`);
      if (closed) {
        current = undefined;
        return release(c);
      }
      active = current === c;
      if (lost) {
        lost = false;
        options.logger.info(`outbox relay: LISTEN ${channel} is back`);
      }
      options.onNotify(); // whatever was committed before LISTEN was in place
    } catch (error) {
      dropped(client, error);
    }
  }

  void connect();

  return {
    listening: () => active,
    async close() {
      closed = true;
      active = false;
      if (timer) clearTimeout(timer);
      if (current) release(current);
      current = undefined;
    },
  };
}
