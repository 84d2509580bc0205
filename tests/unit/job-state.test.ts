import { describe, expect, it } from 'vitest';
import { activeJobStates, canTransition, commandAlreadyApplied, commandTarget, finalState, jobStates, type JobState } from '@/lib/jobs/job-state';

describe('job state transitions', () => {
  it('allows exactly the moves in the table', () => {
    const allowed = jobStates.flatMap((from) => jobStates.filter((to) => canTransition(from, to)).map((to) => `${from}→${to}`));
    expect(allowed.sort()).toEqual(
      [
        'queued→running', 'queued→paused', 'queued→cancelled',
        'running→paused', 'running→cancelling', 'running→succeeded', 'running→failed', 'running→queued',
        'paused→queued', 'paused→cancelled', 'paused→succeeded', 'paused→failed',
        'cancelling→cancelled', 'cancelling→succeeded', 'cancelling→failed',
      ].sort(),
    );
  });

  it('finished states are final and inactive; active states are the four the unique index lists', () => {
    for (const state of ['cancelled', 'succeeded', 'failed'] as const) {
      expect(jobStates.filter((to) => canTransition(state, to))).toEqual([]);
    }
    expect([...activeJobStates].sort()).toEqual(['cancelling', 'paused', 'queued', 'running']);
  });

  it('maps operator commands to targets, refusing the impossible', () => {
    const table = Object.fromEntries(
      (['pause', 'resume', 'cancel'] as const).map((c) => [c, Object.fromEntries(jobStates.map((s) => [s, commandTarget(c, s)]))]),
    );
    expect(table.pause).toEqual({ queued: 'paused', running: 'paused', paused: null, cancelling: null, cancelled: null, succeeded: null, failed: null });
    expect(table.resume).toEqual({ queued: null, running: null, paused: 'queued', cancelling: null, cancelled: null, succeeded: null, failed: null });
    expect(table.cancel).toEqual({ queued: 'cancelled', running: 'cancelling', paused: 'cancelled', cancelling: null, cancelled: null, succeeded: null, failed: null });
  });

  it('treats a repeated command as already applied', () => {
    expect(commandAlreadyApplied('pause', 'paused')).toBe(true);
    expect(commandAlreadyApplied('resume', 'running')).toBe(true);
    expect(commandAlreadyApplied('cancel', 'cancelling')).toBe(true);
    expect(commandAlreadyApplied('cancel', 'succeeded')).toBe(false);
    expect(commandAlreadyApplied('pause', 'running')).toBe(false);
  });

  it('decides how a run leaves its job, always along an allowed transition', () => {
    const cases: [JobState, 'completed' | 'failed' | 'stopped', JobState | null][] = [
      ['running', 'completed', 'succeeded'],
      ['running', 'failed', 'failed'],
      ['running', 'stopped', 'queued'],
      ['paused', 'stopped', 'paused'],
      ['paused', 'completed', 'succeeded'],
      ['paused', 'failed', 'failed'],
      ['cancelling', 'stopped', 'cancelled'],
      ['cancelling', 'failed', 'cancelled'],
      ['cancelling', 'completed', 'succeeded'],
      ['queued', 'completed', null],
      ['succeeded', 'failed', null],
      ['cancelled', 'stopped', null],
    ];
    for (const [current, outcome, expected] of cases) {
      const next = finalState(current, outcome);
      expect([current, outcome, next]).toEqual([current, outcome, expected]);
      if (next && next !== current) expect(canTransition(current, next)).toBe(true);
    }
  });
});
