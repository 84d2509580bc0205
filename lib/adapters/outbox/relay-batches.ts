// One relay batch after another, overlapped: a published batch's mark + COMMIT runs
// on its own connection while the next batch is claimed and published. The next
// claim leaves the committing batch's lanes alone (they stay locked until it commits,
// so each subject stays in order) instead of waiting for its commit (an fsync with
// synchronous_commit on). At most one batch commits in the background.
import type pg from 'pg';
import { LANE_COUNT } from '../../domain/lanes';
import { AppError, errorMessageOf } from '../../errors';
import type { RelayPublisher } from './relay-publisher';
import type { Placement } from './relay-messages';
import { claimBatch, type OpenBatch } from './relay-store';
import type { RelayWaiter } from './relay-waiter';

export interface RelayBatchesOptions {
  pool: pg.Pool;
  publisher: RelayPublisher;
  waiter: RelayWaiter;
  batchSize: number;
  lanesPerClaim: number;
  now: () => Date;
  random: () => number;
}

export interface StepResult {
  published: number;
  /** Look for work at once instead of waiting for a NOTIFY: rows may have been left behind. */
  again: boolean;
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

export function createRelayBatches(options: RelayBatchesOptions) {
  const { waiter } = options;
  let committing: Committing | undefined;

  /** Waits for the batch still committing, if any; its failure is thrown here. */
  async function settleCommit(): Promise<void> {
    const pending = committing;
    committing = undefined;
    await pending?.done;
  }

  /**
   * Claims and publishes one batch and leaves its mark + commit running. `again` when
   * rows may have been left behind: the claim said so, or it skipped the lanes of the
   * batch still committing while that batch had left rows behind or NOTIFYs had come
   * since its claim, or nothing LISTENs (`listening` false) to report rows committed
   * meanwhile. Rows committed later wake the loop with their own NOTIFY.
   */
  async function step(listening: boolean): Promise<StepResult> {
    if (committing?.settled) await settleCommit();
    const previous = committing;
    const notifications = waiter.notifications();
    const startLane = Math.floor(options.random() * LANE_COUNT);
    const batch = await claimBatch(options.pool, {
      batchSize: options.batchSize,
      lanesPerClaim: options.lanesPerClaim,
      startLane,
      skipLanes: previous?.lanes,
    });
    const skippedWork = previous !== undefined && (previous.leftBehind || waiter.notifications() > previous.notifications);
    if (batch.rows.length === 0) {
      await batch.commit(); // nothing was written: no flush to wait for
      await settleCommit();
      return { published: 0, again: skippedWork };
    }
    const placements = await publishOrRecordFailure(batch);
    committing = startCommit(batch, placements, notifications);
    await previous?.done;
    return { published: batch.rows.length, again: batch.leftBehind || skippedWork || !listening };
  }

  async function publishOrRecordFailure(batch: OpenBatch): Promise<Placement[]> {
    try {
      return await options.publisher.publish(batch.rows);
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
  }

  function startCommit(batch: OpenBatch, placements: Placement[], notifications: number): Committing {
    const done = batch
      .markPublished(placements, options.now())
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
    return current;
  }

  return { step, settleCommit };
}
