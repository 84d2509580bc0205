// The outbox relay: claims unpublished rows a batch at a time (lanes keep each
// subject in order even with several relays), publishes them, records where they
// landed. A batch's mark + commit overlaps the next batch's claim and publish. Wakes
// on NOTIFY, polls as a fallback, drains without pause while there is work, and backs
// off exponentially while publishing fails.
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import { LANE_COUNT } from '../../domain/lanes';
import { AppError, errorMessageOf } from '../../errors';
import { listenForOutbox, type OutboxListener } from './outbox-listener';
import { afterFailure, afterSuccess, describeChange, HEALTHY, retryDelay, type HealthChange } from './relay-health';
import { createRelayPublisher } from './relay-publisher';
import type { Placement } from './relay-messages';
import { claimBatch } from './relay-store';

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
  const lanesPerClaim = options.lanesPerClaim ?? LANE_COUNT / 2;
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

  // The last published batch's mark + COMMIT, still running on its own connection
  // while the next batch is claimed and published. The next claim leaves its lanes
  // alone (they stay locked until it commits, so each subject stays in order) instead
  // of waiting for its commit (an fsync with synchronous_commit on).
  let committing: Committing | undefined;

  async function settleCommit(): Promise<void> {
    const pending = committing;
    committing = undefined;
    await pending?.done;
  }

  /**
   * Claims and publishes one batch and leaves its mark + commit running (committing).
   * `again`: look for work at once instead of waiting for a NOTIFY, because rows may
   * have been left behind: the claim said so, or it skipped the lanes of the batch
   * still committing while that batch had left rows behind or NOTIFYs had come since
   * its claim. Rows committed later wake the loop with their own NOTIFY.
   */
  async function step(): Promise<{ published: number; again: boolean }> {
    if (committing?.settled) await settleCommit();
    const previous = committing;
    const notifications = waiter.notifications();
    const startLane = Math.floor(random() * LANE_COUNT);
    const batch = await claimBatch(options.pool, { batchSize, lanesPerClaim, startLane, skipLanes: previous?.lanes });
    const skippedWork = previous !== undefined && (previous.leftBehind || waiter.notifications() > previous.notifications);
    // Without LISTEN (lost, or never started) only looking again finds rows committed meanwhile.
    const unheard = !listener?.listening();
    if (batch.rows.length === 0) {
      await batch.commit(); // nothing was written: no flush to wait for
      await settleCommit();
      return { published: 0, again: skippedWork };
    }
    let placements: Placement[];
    try {
      placements = await publisher.publish(batch.rows);
    } catch (error) {
      // Recorded in the same transaction, i.e. while this relay still holds the lanes.
      await batch
        .recordFailure(errorMessageOf(error))
        .then(() => batch.commit())
        .catch(async (recordError: unknown) => {
          await batch.rollback();
          throw recordError;
        });
      throw new AppError('unavailable', `publishing ${batch.rows.length} outbox event(s) failed: ${errorMessageOf(error)}`, {
        cause: error,
      });
    }
    const done = batch
      .markPublished(placements, now())
      .then(() => batch.commit())
      .catch(async (error: unknown) => {
        // Not marked: the rows go out again (at least once, in order per subject).
        await batch.rollback();
        throw error;
      });
    const current: Committing = { done, settled: false, lanes: batch.lanes, leftBehind: batch.leftBehind, notifications };
    done.then(
      () => (current.settled = true),
      () => {
        current.settled = true;
        waiter.notify(); // wake the loop: the next step reports the failure and the rows go again
      },
    );
    committing = current;
    // At most one batch commits in the background: the one before this has to be done.
    await previous?.done;
    return { published: batch.rows.length, again: batch.leftBehind || skippedWork || unheard };
  }

  // One batch at a time per relay, whether from the loop or a direct call.
  function serially<T>(run: () => Promise<T>): Promise<T> {
    const result = tail.then(run);
    tail = result.catch(() => {});
    return result;
  }

  // A direct call also waits for its batch's commit.
  function drainOnce(): Promise<number> {
    return serially(async () => {
      let published: number;
      try {
        published = (await step()).published;
      } catch (error) {
        await settleCommit().catch(() => {}); // the batch's own failure is the one to report
        throw error;
      }
      await settleCommit();
      return published;
    });
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
        const { again } = await serially(step);
        const next = afterSuccess(health, now());
        health = next.health;
        report(next.change);
        // Rows left behind: go again at once. Otherwise wait for the next NOTIFY (at once
        // if one came during the batch) or the poll.
        if (again) continue;
        await waiter.sleep(pollMs, true);
      } catch (error) {
        // Whatever was still committing ends first (a failure of it is this failure, or the next).
        await serially(settleCommit).catch(() => {});
        if (!running) break; // failed by stop(); recorded on the rows, nothing to report
        const next = afterFailure(health, errorMessageOf(error), now());
        health = next.health;
        report(next.change);
        // Notifications do not cut a backoff short: writes keep coming during an outage.
        await waiter.sleep(retryDelay(health, backoff, random), false);
      }
    }
    await serially(settleCommit).catch((error: unknown) =>
      logger.warn(`outbox relay: marking the last batch failed (it will be published again): ${errorMessageOf(error)}`),
    );
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

/** A published batch whose mark + COMMIT is running. */
interface Committing {
  done: Promise<void>;
  settled: boolean;
  /** The lanes it holds until it commits. */
  lanes: readonly number[];
  /** Its claim may have left rows behind in those lanes. */
  leftBehind: boolean;
  /** NOTIFYs received before its claim. */
  notifications: number;
}

/** Sleeps that a NOTIFY may end early (when allowed) and stop() always ends. */
function createWaiter() {
  let notified = false;
  let count = 0;
  let acceptNotify = false;
  let wake: (() => void) | undefined;
  return {
    notify: () => {
      count++;
      notified = true;
      if (acceptNotify) wake?.();
    },
    clearNotified: () => {
      notified = false;
    },
    /** How many NOTIFYs have arrived so far. */
    notifications: () => count,
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
