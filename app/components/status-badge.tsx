// The one status badge: a label, an icon and a colour, so status never rests on
// colour alone. The set is closed: a page that needs a new status adds it here, once,
// and every page shows it the same way. `title` is the evidence ("STALL: 3 members
// but no commit for 4 min"): a tooltip for the mouse and text for screen readers.
import type { ReactNode } from 'react';

type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'muted';

const statuses = {
  // Consumer lag health (lib/domain/lag/health.ts) and checks.
  OK: { tone: 'ok', icon: '✓' },
  WARN: { tone: 'warn', icon: '⚠' },
  STALL: { tone: 'warn', icon: '⏳' },
  STOP: { tone: 'bad', icon: '■' },
  REWIND: { tone: 'warn', icon: '⏪' },
  ERR: { tone: 'bad', icon: '✖' },
  CRIT: { tone: 'bad', icon: '‼' },
  // Projections.
  live: { tone: 'ok', icon: '●' },
  rebuilding: { tone: 'info', icon: '⟳' },
  // Background jobs (lib/jobs/job-state.ts).
  queued: { tone: 'muted', icon: '◷' },
  running: { tone: 'info', icon: '▶' },
  paused: { tone: 'warn', icon: '⏸' },
  cancelling: { tone: 'warn', icon: '⊘' },
  cancelled: { tone: 'muted', icon: '⊘' },
  succeeded: { tone: 'ok', icon: '✓' },
  failed: { tone: 'bad', icon: '✖' },
  // DLQ messages (DlqStatus).
  open: { tone: 'bad', icon: '●' },
  replaying: { tone: 'info', icon: '↻' },
  resolved: { tone: 'ok', icon: '✓' },
  discarded: { tone: 'muted', icon: '⊖' },
  // Anything the server could not classify.
  unknown: { tone: 'muted', icon: '?' },
} as const satisfies Record<string, { tone: Tone; icon: string }>;

export type Status = keyof typeof statuses;
export const knownStatuses = Object.keys(statuses) as Status[];

export function isStatus(value: unknown): value is Status {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(statuses, value);
}

export interface StatusBadgeProps {
  status: Status;
  /** Evidence or explanation: shown as a tooltip and read by screen readers. */
  title?: string;
  /** Replaces the status word, e.g. "3 STALL"; the icon and colour stay the status's. */
  children?: ReactNode;
  testId?: string;
}

export function StatusBadge({ status, title, children, testId }: StatusBadgeProps) {
  const { tone, icon } = statuses[status] ?? statuses.unknown;
  return (
    <span className={`badge ${tone}`} title={title} data-status={status} data-testid={testId}>
      <span aria-hidden="true">{icon}</span> {children ?? status}
      {title ? <span className="sr-only">: {title}</span> : null}
    </span>
  );
}
