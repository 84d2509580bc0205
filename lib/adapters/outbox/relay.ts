// The outbox relay: claims unpublished rows a batch at a time (lanes keep each
// subject in order even with several relays), publishes them, records where they
// landed. Wakes on NOTIFY, polls as a fallback, drains without pause while there is
// work, and backs off exponentially while publishing fails.
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import { LANE_COUNT } from '../../domain/lanes';
import { AppError, errorMessageOf } from '../../errors';
import { listenForOutbox, type OutboxListener } from './outbox-listener';
import { afterFailure, afterSuccess, describeChange, HEALTHY, retryDelay, type HealthChange } from './relay-health';
import { createRelayPublisher } from './relay-publisher';
import { withClaimedBatch } from './relay-store';

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
  const batchSize = options.batchSize ?? 500;
  const pollMs = options.pollMs ?? 500;
  const backoff = { baseMs: Math.min(250, pollMs), maxMs: options.maxBackoffMs ?? 10_000 };
  const lanesPerClaim = options.lanesPerClaim ?? LANE_COUNT;
  const logger = options.logger ?? console;
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;
  const publisher = createRelayPublisher({ kafka: options.kafka, timeoutMs: options.publishTimeoutMs });
  const waiter = createWaiter();

  let tail: Promise<unknown> = Promise.resolve();
  let running = false;
  let loopDone: Promise<void> | undefined;
  let listener: OutboxListener | undefined;
  let health = HEALTHY;

  async function drainBatch(): Promise<number> {
    const startLane = Math.floor(random() * LANE_COUNT);
    const outcome = await withClaimedBatch(options.pool, { batchSize, lanesPerClaim, startLane }, async (batch) => {
      if (batch.rows.length === 0) return { published: 0 };
      let placements;
      try {
        placements = await publisher.publish(batch.rows);
      } catch (error) {
        // Recorded in the same transaction, i.e. while this relay still holds the lanes.
        await batch.recordFailure(errorMessageOf(error));
        return { published: 0, failed: batch.rows.length, error };
      }
      await batch.markPublished(placements, now());
      return { published: batch.rows.length };
    });
    if ('error' in outcome) {
      throw new AppError('unavailable', `publishing ${outcome.failed} outbox event(s) failed: ${errorMessageOf(outcome.error)}`, { cause: outcome.error });
    }
    return outcome.published;
  }

  // One batch at a time per relay, whether from the loop or a direct call.
  function drainOnce(): Promise<number> {
    const run = tail.then(drainBatch);
    tail = run.catch(() => {});
    return run;
  }

  function report(change: HealthChange | null): void {
    if (!change) return;
    if (change.kind === 'failing') logger.warn(describeChange(change));
    else logger.info(describeChange(change));
  }

  async function loop(): Promise<void> {
    while (running) {
      waiter.clearNotified(); // this batch sees everything committed before it starts
      try {
        const published = await drainOnce();
        const next = afterSuccess(health, now());
        health = next.health;
        report(next.change);
        // Work found: go again at once; the claim that finds nothing ends the burst.
        if (published > 0) continue;
        await waiter.sleep(pollMs, true);
      } catch (error) {
        if (!running) break; // failed by stop(); recorded on the rows, nothing to report
        const next = afterFailure(health, errorMessageOf(error), now());
        health = next.health;
        report(next.change);
        // Notifications do not cut a backoff short: writes keep coming during an outage.
        await waiter.sleep(retryDelay(health, backoff, random), false);
      }
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      listener = listenForOutbox({ pool: options.pool, logger, onNotify: waiter.notify, reconnectMs: Math.min(1_000, backoff.maxMs) });
      loopDone = loop().catch((error) => logger.error(`outbox relay: loop stopped: ${errorMessageOf(error)}`));
    },
    async stop() {
      running = false;
      waiter.interrupt();
      // A healthy batch finishes in milliseconds; one stuck on an unreachable broker
      // is failed after the grace period (recorded as an attempt) instead of holding
      // shutdown for the whole publish timeout.
      let grace: NodeJS.Timeout | undefined;
      const pending = Promise.all([loopDone, tail]);
      await Promise.race([pending, new Promise((done) => (grace = setTimeout(done, options.stopGraceMs ?? 5_000)))]);
      clearTimeout(grace);
      publisher.abort('the relay is stopping');
      await pending;
      await listener?.close();
      await publisher.close();
      loopDone = undefined;
      listener = undefined;
    },
    drainOnce,
  };
}

/** Sleeps that a NOTIFY may end early (when allowed) and stop() always ends. */
function createWaiter() {
  let notified = false;
  let acceptNotify = false;
  let wake: (() => void) | undefined;
  return {
    notify: () => {
      notified = true;
      if (acceptNotify) wake?.();
    },
    clearNotified: () => {
      notified = false;
    },
    interrupt: () => wake?.(),
    sleep(ms: number, wakeOnNotify: boolean): Promise<void> {
      if (wakeOnNotify && notified) return Promise.resolve();
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          wake = undefined;
          acceptNotify = false;
          resolve();
        };
        const timer = setTimeout(done, ms);
        acceptNotify = wakeOnNotify;
        wake = done;
      });
    },
  };
}
