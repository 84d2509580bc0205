// Keeps a worker process running for `npm run demo`: when it exits it is started
// again after a backoff (1 s, doubling to 30 s while it keeps failing, back to 1 s
// once a run lasted a minute), with one console line per restart. Exit code 78
// (invalid configuration) is not retried: it would fail the same way.
import type { ChildProcess } from 'node:child_process';

export interface SuperviseOptions {
  name: string;
  spawn: () => ChildProcess;
  /** True once the supervisor itself is shutting down: exits are expected then. */
  stopping: () => boolean;
  log: (line: string) => void;
  minDelayMs?: number;
  maxDelayMs?: number;
  /** A run at least this long counts as healthy: the next restart waits minDelayMs again. */
  healthyAfterMs?: number;
}

export const EXIT_CONFIG_INVALID = 78;

export function superviseProcess(options: SuperviseOptions): void {
  const min = options.minDelayMs ?? 1_000;
  const max = options.maxDelayMs ?? 30_000;
  const healthyAfter = options.healthyAfterMs ?? 60_000;
  let delay = min;

  function run(): void {
    const startedAt = Date.now();
    options.spawn().once('exit', (code, signal) => {
      if (options.stopping()) return;
      const how = signal ? `signal ${signal}` : `code ${code}`;
      if (code === EXIT_CONFIG_INVALID) return options.log(`${options.name} exited with ${how} (invalid configuration); not restarting it`);
      if (Date.now() - startedAt >= healthyAfter) delay = min;
      options.log(`${options.name} exited with ${how}; restarting in ${formatSeconds(delay)}`);
      setTimeout(() => {
        if (!options.stopping()) run();
      }, delay);
      delay = Math.min(max, delay * 2);
    });
  }
  run();
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(2))} s`;
}
