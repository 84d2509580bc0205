// The outbox relay worker as its own node process (no npx/tsx wrapper in between, so a
// signal hits the relay itself), with its output kept for assertion messages.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { kafkaBrokers } from './kafka';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface RelayProcess {
  child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** `exited (<signal or code>)` once it ended; undefined while it runs. */
  exit(): string | undefined;
  /** SIGKILL if it still runs (for afterAll). */
  kill(): void;
}

/** `env` needs DATABASE_URL; KAFKA_BROKERS (the test broker) and LOG_LEVEL=info are defaults. */
export function startRelayProcess(env: Record<string, string>): RelayProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/outbox-relay/index.ts'], {
    cwd: root,
    env: { ...process.env, KAFKA_BROKERS: kafkaBrokers().join(','), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  let exit: string | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      exit = `exited (${signal ?? code})`;
      resolve({ code, signal });
    }),
  );
  return {
    child,
    output: () => output,
    exited,
    exit: () => exit,
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
