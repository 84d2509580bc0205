// Health labels of the Overview, decided on the server so every client shows the
// same verdict and the thresholds live in one place. Pure: figures in, label out.

export type HealthLevel = 'ok' | 'warn' | 'bad';
export interface Health {
  level: HealthLevel;
  label: string;
}

/** An unpublished backlog younger than this is normal relay latency. */
export const BACKLOG_BEHIND_SECONDS = 5;
/** Older than this, the relay is not keeping up or not running. */
export const BACKLOG_STUCK_SECONDS = 60;
/** A consumer that dead-letters at least this share of what it finished is failing, not just unlucky. */
export const FAILING_DEAD_LETTER_SHARE = 0.05;

export function backlogHealth(outbox: { unpublished: number; oldestUnpublishedAt: Date | null }, now: Date): Health {
  const ageSeconds = outbox.oldestUnpublishedAt ? (now.getTime() - outbox.oldestUnpublishedAt.getTime()) / 1000 : 0;
  if (outbox.unpublished === 0 || ageSeconds < BACKLOG_BEHIND_SECONDS) return { level: 'ok', label: 'flowing' };
  if (ageSeconds < BACKLOG_STUCK_SECONDS) return { level: 'warn', label: 'behind' };
  return { level: 'bad', label: 'stuck' };
}

export interface ConsumerWindowFigures {
  applied: number;
  retries: number;
  deadLettered: number;
  dlqOpen: number;
}

export function consumerHealth(c: ConsumerWindowFigures): Health {
  const finished = c.applied + c.deadLettered;
  if (c.deadLettered > 0 && c.deadLettered >= FAILING_DEAD_LETTER_SHARE * finished) return { level: 'bad', label: 'failing' };
  if (c.deadLettered > 0) return { level: 'warn', label: 'dead-lettering' };
  if (c.retries > 0) return { level: 'warn', label: 'retrying' };
  if (c.dlqOpen > 0) return { level: 'warn', label: 'DLQ open' };
  return { level: 'ok', label: 'healthy' };
}
