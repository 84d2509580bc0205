/**
 * Runs `shutdown` once on SIGTERM or SIGINT, then exits 0 (or 1 if it failed).
 * Every worker's composition root uses this, so they all stop the same way.
 */
export function onShutdown(name: string, shutdown: (signal: NodeJS.Signals) => Promise<void>): void {
  let started = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (started) return;
      started = true;
      shutdown(signal).then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(`${name}: shutdown failed`, error);
          process.exit(1);
        },
      );
    });
  }
}
