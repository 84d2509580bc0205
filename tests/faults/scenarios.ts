// The fault scenarios `npm run test:faults` runs (docs/faults.md). Each runs the
// real demo system (demo-system.ts) on an owned cluster and broker; faults are
// injected at fixed times while traffic flows, or at a moment found by watching
// pg_stat_activity (inside a relay batch, inside a consumer transaction).
import { withWatchClient } from './watch-client';
import type { FaultContext, FaultStep, Scenario } from './run-scenario';
import { consumerKillAfterCommit, longTransaction, rebalanceStorm } from './process-scenarios';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits (up to timeoutMs) until a backend of `applicationName` is inside a transaction
 * that has written (backend_xid set), polling every few milliseconds; returns its state.
 */
async function waitForWritingTransaction(ctx: FaultContext, applicationName: string, timeoutMs = 20_000): Promise<string | null> {
  return withWatchClient(ctx, async (client) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const { rows } = await client.query<{ state: string; query: string }>(
        `SELECT state, left(query, 60) AS query FROM pg_stat_activity
          WHERE application_name = $1 AND backend_xid IS NOT NULL AND xact_start IS NOT NULL LIMIT 1`,
        [applicationName],
      );
      if (rows[0]) return `${rows[0].state}: ${rows[0].query.replace(/\s+/g, ' ')}`;
      await sleep(5);
    }
    return null;
  });
}

const pgRestart = (label: string, atSeconds: number): FaultStep => ({
  label,
  atSeconds,
  inject: async ({ sys }) => void (await sys.pg.restart('immediate')),
});

/** PostgreSQL restarted in immediate mode at the moment a backend of `applicationName` is in a writing transaction. */
const pgRestartInside = (label: string, atSeconds: number, applicationName: string): FaultStep => ({
  label,
  atSeconds,
  async inject(ctx) {
    const seen = await waitForWritingTransaction(ctx, applicationName);
    await ctx.sys.pg.restart('immediate');
    return seen ? `restarted while ${applicationName} was in a transaction (${seen})` : `no ${applicationName} transaction seen in 20 s; restarted anyway`;
  },
});

const brokerRestart = (how: 'SIGTERM' | 'SIGKILL', atSeconds: number, downMs = 5_000): FaultStep => ({
  label: `Kafka broker ${how}, restarted after ${downMs / 1000} s`,
  atSeconds,
  inject: async ({ sys }) => void (await sys.kafka.restart(how, downMs)),
});

/** SIGKILL of a worker (the supervisor starts a new one); waits until the new process has started. */
const workerKill = (worker: string, atSeconds: number, when?: { applicationName: string }): FaultStep => ({
  label: `${worker} SIGKILL${when ? ' inside its transaction' : ''}`,
  atSeconds,
  async inject(ctx) {
    const handle = ctx.sys.workers.get(worker);
    if (!handle) throw new Error(`no worker ${worker}`);
    const starts = handle.starts();
    const seen = when ? await waitForWritingTransaction(ctx, when.applicationName) : null;
    const pid = handle.signal('SIGKILL');
    const deadline = Date.now() + 30_000;
    while (handle.starts() === starts && Date.now() < deadline) await sleep(100);
    return `killed pid ${pid ?? '?'}${seen ? ` while in a transaction (${seen})` : ''}; new process started: ${handle.starts() > starts}`;
  },
});

/**
 * SIGKILL of the relay between Kafka's ack of a batch and the commit that marks its rows. The
 * harness takes a SHARE lock on outbox_events for a moment: claims (SELECT … FOR UPDATE) still
 * run and the relay still publishes, but the mark (UPDATE … SET published_at, issued only after
 * sendBatch resolved) waits for the lock. Once a relay backend is seen waiting with the mark,
 * the relay is SIGKILLed and the lock released: that backend finds its client gone and rolls
 * back, so the batch is on the topic and unmarked. The lock is taken while a relay backend
 * sits in its transaction right after a claim (publishing). Writers of new outbox rows wait
 * meanwhile (at most 1 s). Up to 30 tries; throws when none catches a mark.
 */
const relayKillAfterAck = (atSeconds: number): FaultStep => ({
  label: "relay SIGKILL between the broker's ack and the marking commit",
  atSeconds,
  async inject(ctx) {
    const handle = ctx.sys.workers.get('relay');
    if (!handle) throw new Error('no worker relay');
    return withWatchClient(ctx, async (client) => {
      const starts = handle.starts();
      for (let attempt = 1; attempt <= 30; attempt++) {
        let killed: { pid: number | undefined; backend: number; waitedMs: number } | null = null;
        // Lock while a claimed batch is being published (its claim done, its mark not yet sent).
        for (let polls = 0; polls < 5_000; polls++) {
          const { rowCount } = await client.query(
            `SELECT 1 FROM pg_stat_activity
              WHERE application_name = 'signalbox-outbox-relay' AND state = 'idle in transaction'
                AND btrim(regexp_replace(query, '\\s+', ' ', 'g')) LIKE '%WITH candidate AS MATERIALIZED%' LIMIT 1`,
          );
          if (rowCount) break;
          await sleep(1);
        }
        await client.query('BEGIN');
        try {
          await client.query(`SET LOCAL lock_timeout = '5s'`);
          await client.query('LOCK TABLE outbox_events IN SHARE MODE');
          const lockedAt = Date.now();
          while (!killed && Date.now() - lockedAt < 1_000) {
            const { rows } = await client.query<{ pid: number }>(
              `SELECT pid FROM pg_stat_activity
                WHERE application_name = 'signalbox-outbox-relay' AND wait_event_type = 'Lock'
                  AND btrim(regexp_replace(query, '\\s+', ' ', 'g')) LIKE 'UPDATE outbox_events AS o SET published_at%' LIMIT 1`,
            );
            if (rows[0]) killed = { pid: handle.signal('SIGKILL'), backend: rows[0].pid, waitedMs: Date.now() - lockedAt };
            else await sleep(5);
          }
        } finally {
          await client.query('COMMIT').catch(() => client.query('ROLLBACK').catch(() => undefined));
        }
        if (killed) {
          const restartBy = Date.now() + 30_000;
          while (handle.starts() === starts && Date.now() < restartBy) await sleep(100);
          return `killed pid ${killed.pid ?? '?'} while its backend ${killed.backend} waited to mark a batch Kafka had acknowledged (outbox held ${killed.waitedMs} ms, try ${attempt}); new process started: ${handle.starts() > starts}`;
        }
        await sleep(500);
      }
      throw new Error('relay kill after ack: no relay backend waited with its mark in 30 tries of 1 s');
    });
  },
});

/**
 * SIGKILL of the active one of two instances of a leader-elected worker (lag sampler or
 * checker: one holds an advisory lock, the other stands by); resolves once another
 * process reports itself active in process_heartbeats, and fails the run if none does in 60 s.
 */
const leaderKill = (kind: 'lag-sampler' | 'checker', atSeconds: number): FaultStep => ({
  label: `${kind} active instance SIGKILL (standby takes over)`,
  atSeconds,
  async inject(ctx) {
    return withWatchClient(ctx, async (client) => {
      const active = async () =>
        (await client.query<{ instance: string; at: Date }>(
          `SELECT instance, last_beat_at AS at FROM process_heartbeats
            WHERE kind = $1 AND details->>'role' = 'active' AND last_beat_at > now() - interval '10 seconds'
            ORDER BY last_beat_at DESC LIMIT 1`,
          [kind],
        )).rows[0];
      const before = await active();
      if (!before) throw new Error(`no active ${kind} in process_heartbeats`);
      const pid = Number(before.instance.split(':').pop());
      const worker = [...ctx.sys.workers.values()].find((w) => w.child()?.pid === pid);
      if (!worker) throw new Error(`the active ${kind} (${before.instance}) is not one of this run's workers`);
      const killedAt = Date.now();
      worker.signal('SIGKILL');
      const deadline = killedAt + 60_000;
      for (;;) {
        const now = await active().catch(() => undefined);
        if (now && Number(now.instance.split(':').pop()) !== pid && now.at.getTime() >= killedAt - 1_000) {
          const successor = [...ctx.sys.workers.values()].find((w) => w.child()?.pid === Number(now.instance.split(':').pop()));
          return `killed ${worker.name} (pid ${pid}); ${successor?.name ?? now.instance} active after ${((Date.now() - killedAt) / 1000).toFixed(1)} s`;
        }
        if (Date.now() > deadline) throw new Error(`no ${kind} took over within 60 s of killing ${worker.name} (pid ${pid})`);
        await sleep(200);
      }
    });
  },
});

/** Scenario A (issue #6): the demo at 40 orders/s through a PostgreSQL restart and a broker kill. */
export const scenarioA: Scenario = {
  id: 'pg-restart-and-broker-kill',
  title: 'PostgreSQL immediate restart, then broker SIGKILL (40 orders/s)',
  rate: 40,
  trafficSeconds: 110,
  faults: [pgRestart('PostgreSQL restart (immediate mode)', 20), brokerRestart('SIGKILL', 55)],
};

/** Issue #12's faults, one fault per run (repeat with --runs). */
export function faultScenarios(rate: number, trafficSeconds = 50): Scenario[] {
  const at = 15;
  const base = { rate, trafficSeconds };
  return [
    { ...base, id: 'broker-sigterm', title: `Kafka broker SIGTERM (${rate} orders/s)`, faults: [brokerRestart('SIGTERM', at)] },
    { ...base, id: 'broker-sigkill', title: `Kafka broker SIGKILL (${rate} orders/s)`, faults: [brokerRestart('SIGKILL', at)] },
    {
      ...base,
      id: 'pg-restart-relay-batch',
      title: `PostgreSQL immediate restart inside a relay batch (${rate} orders/s)`,
      faults: [pgRestartInside('PostgreSQL restart (immediate) inside a relay transaction', at, 'signalbox-outbox-relay')],
    },
    {
      ...base,
      id: 'pg-restart-consumer-tx',
      title: `PostgreSQL immediate restart inside a consumer transaction (${rate} orders/s)`,
      faults: [pgRestartInside('PostgreSQL restart (immediate) inside a consumer transaction', at, 'signalbox-consumers')],
    },
    { ...base, id: 'relay-sigkill', title: `outbox relay SIGKILL inside its transaction (${rate} orders/s)`, faults: [workerKill('relay', at, { applicationName: 'signalbox-outbox-relay' })] },
    {
      ...base,
      id: 'relay-sigkill-after-ack',
      title: `outbox relay SIGKILL after the broker acknowledged a batch, before its rows are marked (${rate} orders/s)`,
      // The relay marks a batch (UPDATE … SET published_at) only after Kafka acknowledged it; killed
      // with that UPDATE done and not committed, the batch is on the topic and unmarked: it is sent again.
      faults: [relayKillAfterAck(at)],
    },
    {
      ...base,
      id: 'consumer-sigkill',
      title: `demo consumers SIGKILL inside a consumer transaction (${rate} orders/s)`,
      faults: [workerKill('consumers', at, { applicationName: 'signalbox-consumers' })],
    },
    {
      ...base,
      id: 'sampler-checker-kill',
      title: `lag sampler and checker: the active instance of two SIGKILLed (${rate} orders/s)`,
      instances: [
        { name: 'relay' },
        { name: 'consumers' },
        { name: 'orders-api' },
        { name: 'traffic' },
        { name: 'lag-sampler', id: 'lag-sampler-a' },
        { name: 'lag-sampler', id: 'lag-sampler-b' },
        { name: 'checks', id: 'checks-a' },
        { name: 'checks', id: 'checks-b' },
      ],
      env: { SAMPLER_INTERVAL_SECONDS: '2', CHECKS_INTERVAL_SECONDS: '2' },
      faults: [leaderKill('lag-sampler', at), leaderKill('checker', at + 15)],
    },
    {
      ...base,
      id: 'rebalance-storm',
      title: `rebalance storm: demo consumers 1 → 3 → 1 every 10 s (${rate} orders/s)`,
      faults: [rebalanceStorm(5, Math.max(5, trafficSeconds - 5))],
    },
    {
      ...base,
      id: 'consumer-sigkill-after-commit',
      title: `demo consumers SIGKILL after a commit, before the offset commit (${rate} orders/s)`,
      faults: [consumerKillAfterCommit(at)],
    },
    {
      ...base,
      id: 'long-transaction',
      title: `a transaction holds an early outbox row for 20 s under traffic (${rate} orders/s)`,
      faults: [longTransaction(10, 20)],
    },
  ];
}
