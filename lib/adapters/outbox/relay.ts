// The outbox relay: claims unpublished rows a batch at a time (lanes keep each
// subject in order even with several relays), publishes them, records where they
// landed. A batch's mark + commit overlaps the next batch's claim and publish
// (relay-batches.ts). Wakes on NOTIFY (relay-waiter.ts), polls as a fallback, drains
// without pause while there is work, and backs off exponentially while publishing
// or the database fails: a lost connection is a failed batch, never an exit.
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import { LANE_COUNT } from '../../domain/lanes';
import { errorMessageOf } from '../../errors';
import { listenForOutbox, type OutboxListener } from './outbox-listener';
import type { BackoffPolicy } from '../../domain/backoff';
import { createRelayBatches, type StepResult } from './relay-batches';
import { afterFailure, afterSuccess, describeChange, HEALTHY, retryDelay, type HealthChange, type RelayHealth } from './relay-health';
import { createRelayPublisher } from './relay-publisher';
import { createWaiter, type RelayWaiter } from './relay-waiter';

export interface RelayLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface RelayOptions {
  pool: pg.Pool;
  kafka: Kafka;
  batchSize?: number;
  pollMs?: number;
  /**
   * After a NOTIFY ends an idle wait, wait this much longer before claiming, so the
   * commits of the next few milliseconds go in the same batch (as a Kafka producer's
   * linger.ms): fewer, larger batches under steady load, at most this much added latency.
   */
  lingerMs?: number;
  maxBackoffMs?: number;
  lanesPerClaim?: number;
  /** Upper bound of one publish (connect + send). */
  publishTimeoutMs?: number;
  /** How long stop() lets a publish in flight finish before failing it (rows stay unpublished). */
  stopGraceMs?: number;
  logger?: RelayLogger;
  now?: () => Date;
  random?: () => number;
}

export interface Relay {
  /** Runs the loop in the background (and LISTENs) until stop(). */
  start(): void;
  /** Lets the current batch finish (for up to stopGraceMs), then stops listening and disconnects the producer. */
  stop(): Promise<void>;
  /** Claims and publishes one batch; resolves to how many rows were published. Throws if publishing failed (the failure is recorded on the rows). */
  drainOnce(): Promise<number>;
}

export function createRelay(options: RelayOptions): Relay {
  const pollMs = options.pollMs ?? 500;
  const lingerMs = options.lingerMs ?? 0;
  const backoff = { baseMs: Math.min(250, pollMs), maxMs: options.maxBackoffMs ?? 10_000 };
  const logger = options.logger ?? console;
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;
  const publisher = createRelayPublisher({ kafka: options.kafka, timeoutMs: options.publishTimeoutMs });
  const waiter = createWaiter();
  const batches = createRelayBatches({
    pool: options.pool,
    publisher,
    waiter,
    batchSize: options.batchSize ?? 500,
    lanesPerClaim: options.lanesPerClaim ?? LANE_COUNT / 2,
    now,
    random,
  });

  let tail: Promise<unknown> = Promise.resolve();
  let running = false;
  let loopDone: Promise<void> | undefined;
  let listener: OutboxListener | undefined;
  const health = healthReporter(logger);

  // One batch at a time per relay, whether from the loop or a direct call.
  function serially<T>(run: () => Promise<T>): Promise<T> {
    const result = tail.then(run);
    tail = result.catch(() => {});
    return result;
  }

  // Without LISTEN (lost, or never started) only looking again finds rows committed meanwhile.
  const step = () => batches.step(listener?.listening() ?? false);

  // A direct call also waits for its batch's commit.
  function drainOnce(): Promise<number> {
    return serially(async () => {
      let published: number;
      try {
        published = (await step()).published;
      } catch (error) {
        await batches.settleCommit().catch(() => {}); // the batch's own failure is the one to report
        throw error;
      }
      await batches.settleCommit();
      return published;
    });
  }

  async function stop(): Promise<void> {
    running = false;
    waiter.interrupt();
    // A healthy batch finishes in milliseconds; one stuck on an unreachable broker is
    // failed after the grace period (recorded as an attempt) instead of holding
    // shutdown for the whole publish timeout.
    await settleWithin(Promise.all([loopDone, tail]), options.stopGraceMs ?? 5_000, () => publisher.abort('the relay is stopping'));
    await listener?.close();
    await publisher.close();
    loopDone = undefined;
    listener = undefined;
  }

  return {
    start() {
      if (running) return;
      running = true;
      listener = listenForOutbox({ pool: options.pool, logger, onNotify: waiter.notify, reconnectMs: Math.min(1_000, backoff.maxMs) });
      const loop = {
        running: () => running,
        serially,
        step,
        settleCommit: batches.settleCommit,
        waiter,
        health,
        pollMs,
        lingerMs,
        backoff,
        random,
        now,
        logger,
      };
      loopDone = runLoop(loop).catch((error) => logger.error(`outbox relay: loop stopped: ${errorMessageOf(error)}`));
    },
    stop,
    drainOnce,
  };
}

interface LoopContext {
  running: () => boolean;
  serially: <T>(run: () => Promise<T>) => Promise<T>;
  step: () => Promise<StepResult>;
  settleCommit: () => Promise<void>;
  waiter: RelayWaiter;
  health: ReturnType<typeof healthReporter>;
  pollMs: number;
  lingerMs: number;
  backoff: BackoffPolicy;
  random: () => number;
  now: () => Date;
  logger: RelayLogger;
}

/** Batch after batch until stopped: at once while rows are left, else at a NOTIFY or the poll; backoff after a failure. */
async function runLoop(ctx: LoopContext): Promise<void> {
  const { waiter, health } = ctx;
  while (ctx.running()) {
    waiter.clearNotified(); // this batch sees everything committed before it starts
    try {
      const { again } = await ctx.serially(ctx.step);
      health.succeeded(ctx.now());
      // Rows left behind: go again at once. Otherwise wait for the next NOTIFY (at once
      // if one came during the batch) or the poll.
      if (!again) {
        await waiter.sleep(ctx.pollMs, true);
        if (ctx.lingerMs > 0 && ctx.running()) await waiter.sleep(ctx.lingerMs, false);
      }
    } catch (error) {
      // Whatever was still committing ends first (a failure of it is this failure, or the next).
      await ctx.serially(ctx.settleCommit).catch(() => {});
      if (!ctx.running()) break; // failed by stop(); recorded on the rows, nothing to report
      health.failed(errorMessageOf(error), ctx.now());
      // Notifications do not cut a backoff short: writes keep coming during an outage.
      await waiter.sleep(retryDelay(health.current(), ctx.backoff, ctx.random), false);
    }
  }
  await ctx
    .serially(ctx.settleCommit)
    .catch((error: unknown) =>
      ctx.logger.warn(`outbox relay: marking the last batch failed (it will be published again): ${errorMessageOf(error)}`),
    );
}

/** Keeps the relay's health and logs only its changes (failing ⇄ recovered). */
function healthReporter(logger: RelayLogger) {
  let health: RelayHealth = HEALTHY;
  const record = (next: { health: RelayHealth; change: HealthChange | null }) => {
    health = next.health;
    if (!next.change) return;
    if (next.change.kind === 'failing') logger.warn(describeChange(next.change));
    else logger.info(describeChange(next.change));
  };
  return {
    current: () => health,
    succeeded: (at: Date) => record(afterSuccess(health, at)),
    failed: (error: string, at: Date) => record(afterFailure(health, error, at)),
  };
}

/** Waits for pending up to graceMs, then calls onLate (which makes whatever still runs end; harmless when nothing does) and waits on. */
async function settleWithin(pending: Promise<unknown>, graceMs: number, onLate: () => void): Promise<void> {
  let grace: NodeJS.Timeout | undefined;
  await Promise.race([pending, new Promise((done) => (grace = setTimeout(done, graceMs)))]);
  clearTimeout(grace);
  onLate();
  await pending;
}
