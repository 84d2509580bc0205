// Scheduled drift checks (PROJECTION_DRIFT_EVERY_MIN): which projection, if any, the
// schedule checks next. Pure: the scheduler (lib/app/schedule-drift-checks.ts) reads
// the inputs in one locked transaction and starts at most the one job this returns.
// - One at a time: while a scheduled check is queued or running anywhere, none starts.
// - A projection whose scope holds an active job (a check, repair or rebuild someone
//   started) is skipped this time.
// - Due: its last drift check (report or check job, whoever started it) began at least
//   `everyMs` ago, or it was never checked. The one checked longest ago goes first.

export interface DriftScheduleProjection {
  projection: string;
  /** Start of its latest drift check (a stored report, or a check job created), null if never. */
  lastCheckAt: Date | null;
  /** Kind of the job holding its scope, null when none is active. */
  activeJobKind: string | null;
}

export type DriftScheduleDecision =
  | { start: string; reason: 'never checked' | 'due' }
  | { start: null; reason: 'disabled' | 'scheduled check running' | 'nothing due'; skipped: string[] };

export function nextScheduledDriftCheck(input: {
  projections: readonly DriftScheduleProjection[];
  scheduledActive: boolean;
  everyMs: number;
  now: Date;
}): DriftScheduleDecision {
  if (!(input.everyMs > 0)) return { start: null, reason: 'disabled', skipped: [] };
  if (input.scheduledActive) return { start: null, reason: 'scheduled check running', skipped: [] };
  const due = input.projections.filter((p) => p.lastCheckAt === null || input.now.getTime() - p.lastCheckAt.getTime() >= input.everyMs);
  const free = due.filter((p) => p.activeJobKind === null);
  const skipped = due.filter((p) => p.activeJobKind !== null).map((p) => p.projection);
  const pick = [...free].sort((a, b) => (a.lastCheckAt?.getTime() ?? -Infinity) - (b.lastCheckAt?.getTime() ?? -Infinity) || a.projection.localeCompare(b.projection))[0];
  if (!pick) return { start: null, reason: 'nothing due', skipped };
  return { start: pick.projection, reason: pick.lastCheckAt === null ? 'never checked' : 'due' };
}

/** Idempotency key of the scheduled check of `projection` in the schedule slot holding `now`: two schedulers racing start one job. */
export function scheduledDriftKey(projection: string, everyMs: number, now: Date): string {
  return `drift-schedule:${projection}:${Math.floor(now.getTime() / Math.max(1, everyMs))}`;
}

export const SCHEDULED_DRIFT_KEY_PREFIX = 'drift-schedule:';
