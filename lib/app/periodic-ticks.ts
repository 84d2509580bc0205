/** A tick run every interval, one at a time, after the previous one ended. */
export interface PeriodicTicks {
  /** Runs a tick now (after the one in progress, if any); the interval restarts from its end. */
  tickNow(): Promise<void>;
  /** No tick starts any more; resolves when the one in progress has ended. */
  stop(): Promise<void>;
}

/**
 * The schedule the background loops (checker, lag sampler) share: the first tick at
 * once, the next `intervalMs` after the previous one ended, never two at a time.
 */
export function startPeriodicTicks(tick: () => Promise<void>, intervalMs: number): PeriodicTicks {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const schedule = () => {
    if (stopped) return;
    running = running.then(tick).finally(() => {
      if (!stopped) timer = setTimeout(schedule, intervalMs);
    });
  };
  schedule();

  return {
    async tickNow() {
      if (stopped) return;
      clearTimeout(timer);
      running = running.then(tick).finally(() => {
        clearTimeout(timer);
        if (!stopped) timer = setTimeout(schedule, intervalMs);
      });
      await running;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
