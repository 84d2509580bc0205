// How the relay loop waits: sleeps that a NOTIFY may end early (when allowed) and
// stop() always ends, plus a count of NOTIFYs so a batch can tell whether rows were
// committed while it ran.

export interface RelayWaiter {
  notify(): void;
  /** Forget NOTIFYs so far: the next batch sees everything committed before it starts. */
  clearNotified(): void;
  /** How many NOTIFYs have arrived so far. */
  notifications(): number;
  /** Ends the current sleep at once (stop()). */
  interrupt(): void;
  /** Resolves after ms, or at a NOTIFY if wakeOnNotify (at once if one came since clearNotified). */
  sleep(ms: number, wakeOnNotify: boolean): Promise<void>;
}

export function createWaiter(): RelayWaiter {
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
    notifications: () => count,
    interrupt: () => wake?.(),
    sleep(ms, wakeOnNotify) {
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
