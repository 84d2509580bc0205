// The demo's worker supervision with real child processes (sh -c 'exit N'): restarts with
// a doubling delay, says so, resets after a healthy run, and leaves exit 78 alone.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { superviseProcess } from '@/scripts/supervise';

const exiting =
  (code: number, afterMs = 0) =>
  () =>
    spawn('sh', ['-c', `${afterMs ? `sleep ${afterMs / 1000}; ` : ''}exit ${code}`], { stdio: 'ignore' });
const until = async (check: () => boolean, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('superviseProcess', () => {
  it('restarts a worker that exits, with a doubling delay, and says so', async () => {
    const lines: string[] = [];
    let starts = 0;
    let stopping = false;
    superviseProcess({
      name: 'relay',
      spawn: () => (starts++, exiting(1)()),
      stopping: () => stopping,
      log: (l) => lines.push(l),
      minDelayMs: 100,
      maxDelayMs: 400,
    });
    await until(() => starts >= 5);
    stopping = true;
    expect(lines.slice(0, 4)).toEqual([
      'relay exited with code 1; restarting in 0.1 s',
      'relay exited with code 1; restarting in 0.2 s',
      'relay exited with code 1; restarting in 0.4 s',
      'relay exited with code 1; restarting in 0.4 s',
    ]);
  });

  it('goes back to the shortest delay after a run that lasted', async () => {
    const lines: string[] = [];
    let starts = 0;
    let stopping = false;
    superviseProcess({
      name: 'w',
      spawn: () => exiting(1, starts++ === 2 ? 600 : 0)(),
      stopping: () => stopping,
      log: (l) => lines.push(l),
      minDelayMs: 50,
      maxDelayMs: 1_000,
      healthyAfterMs: 400,
    });
    await until(() => lines.length >= 4);
    stopping = true;
    lines.length = 4;
    expect(lines.map((l) => l.replace(/.*restarting in /, ''))).toEqual(
      ['0.05 s', '0.1 s', '0.05 s', '0.1 s'].slice(0, lines.length).slice(0, 4),
    );
  });

  it('does not restart on invalid configuration (78) or while stopping', async () => {
    const lines: string[] = [];
    let starts = 0;
    superviseProcess({
      name: 'cfg',
      spawn: () => (starts++, exiting(78)()),
      stopping: () => false,
      log: (l) => lines.push(l),
      minDelayMs: 10,
    });
    superviseProcess({
      name: 'bye',
      spawn: () => (starts++, exiting(0)()),
      stopping: () => true,
      log: (l) => lines.push(l),
      minDelayMs: 10,
    });
    await new Promise((r) => setTimeout(r, 1_000));
    expect(starts).toBe(2);
    expect(lines).toEqual(['cfg exited with code 78 (invalid configuration); not restarting it']);
  });
});
