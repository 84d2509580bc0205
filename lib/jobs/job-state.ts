// Job states and the transitions between them. Pure: the use cases and the runner
// ask this table before they write, so a job cannot go from `cancelled` back to
// `running`, whoever asks. docs/jobs.md draws the same table.

export const jobStates = ['queued', 'running', 'paused', 'cancelling', 'cancelled', 'succeeded', 'failed'] as const;
export type JobState = (typeof jobStates)[number];

/** States that hold the job's scope (the partial unique index lists the same four). */
export const activeJobStates = ['queued', 'running', 'paused', 'cancelling'] as const satisfies readonly JobState[];
export const finishedJobStates = ['cancelled', 'succeeded', 'failed'] as const satisfies readonly JobState[];

export function isJobState(value: unknown): value is JobState {
  return typeof value === 'string' && (jobStates as readonly string[]).includes(value);
}

export function isActiveJobState(state: JobState): boolean {
  return (activeJobStates as readonly JobState[]).includes(state);
}

/**
 * Allowed moves, and who makes them:
 * - queued → running: a worker claims it; → paused / cancelled: an operator.
 * - running → paused / cancelling: an operator (the run stops at its next checkpoint);
 *   → succeeded / failed: the run ends; → queued: its worker stopped or died (released
 *   or reclaimed), so another worker resumes it from the checkpoint.
 * - paused → queued: resumed; → cancelled: an operator; → succeeded / failed: the run
 *   was already inside its last step when the pause came.
 * - cancelling → cancelled: the run stopped (or its worker died); → succeeded / failed:
 *   the run ended before it saw the request.
 * Finished states are final.
 */
const transitions: Record<JobState, readonly JobState[]> = {
  queued: ['running', 'paused', 'cancelled'],
  running: ['paused', 'cancelling', 'succeeded', 'failed', 'queued'],
  paused: ['queued', 'cancelled', 'succeeded', 'failed'],
  cancelling: ['cancelled', 'succeeded', 'failed'],
  cancelled: [],
  succeeded: [],
  failed: [],
};

export function canTransition(from: JobState, to: JobState): boolean {
  return transitions[from].includes(to);
}

/** What an operator's request does to a job in `from`: the target state, or null when not allowed. */
export type JobCommand = 'pause' | 'resume' | 'cancel';

export function commandTarget(command: JobCommand, from: JobState): JobState | null {
  // Resume only undoes a pause: running → queued is a worker handing a job back, not an operator's move.
  if (command === 'resume') return from === 'paused' ? 'queued' : null;
  // A `cancelling` job is finished by its run (or, if its worker died, by the sweep), not by a second cancel.
  if (command === 'cancel' && from === 'cancelling') return null;
  const target: JobState = command === 'pause' ? 'paused' : from === 'running' ? 'cancelling' : 'cancelled';
  return canTransition(from, target) ? target : null;
}

/** True when the job is already where the command would take it (a repeated click changes nothing). */
export function commandAlreadyApplied(command: JobCommand, state: JobState): boolean {
  if (command === 'pause') return state === 'paused';
  if (command === 'resume') return state === 'queued' || state === 'running';
  return state === 'cancelling' || state === 'cancelled';
}

/** How a run ended, as the runner saw it. */
export type RunOutcome = 'completed' | 'failed' | 'stopped';

/**
 * The state a run leaves its job in, given the state it finds when it ends:
 * finishing the work wins over a pause or cancel that came too late; a stop leaves a
 * paused job paused, turns a cancel request into `cancelled`, and hands a job that is
 * still `running` (its worker is shutting down) back to the queue; a failure during a
 * cancel is a cancel.
 */
export function finalState(current: JobState, outcome: RunOutcome): JobState | null {
  if (!isActiveJobState(current) || current === 'queued') return null;
  if (outcome === 'completed') return 'succeeded';
  if (current === 'cancelling') return 'cancelled';
  if (outcome === 'failed') return 'failed';
  return current === 'paused' ? 'paused' : 'queued';
}
