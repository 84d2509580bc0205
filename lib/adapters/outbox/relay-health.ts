// The relay's failure bookkeeping, pure: consecutive failures decide the backoff,
// and only changes of state (healthy ⇄ failing) are worth a log line.
import { backoffDelay, type BackoffPolicy } from '../../domain/backoff';

export interface RelayHealth {
  /** Consecutive failed batches; 0 when healthy. */
  failures: number;
  /** When the current run of failures began. */
  since: Date | null;
}

export type HealthChange =
  | { kind: 'failing'; error: string }
  | { kind: 'recovered'; failures: number; downMs: number };

export const HEALTHY: RelayHealth = { failures: 0, since: null };

export function afterSuccess(health: RelayHealth, now: Date): { health: RelayHealth; change: HealthChange | null } {
  if (health.failures === 0) return { health, change: null };
  const downMs = health.since ? now.getTime() - health.since.getTime() : 0;
  return { health: HEALTHY, change: { kind: 'recovered', failures: health.failures, downMs } };
}

export function afterFailure(health: RelayHealth, error: string, now: Date): { health: RelayHealth; change: HealthChange | null } {
  const next = { failures: health.failures + 1, since: health.since ?? now };
  return { health: next, change: health.failures === 0 ? { kind: 'failing', error } : null };
}

/** Wait before the next try: exponential with full jitter, but never less than half the base. */
export function retryDelay(health: RelayHealth, policy: BackoffPolicy, random: () => number): number {
  return Math.max(Math.floor(policy.baseMs / 2), backoffDelay(health.failures, policy, random));
}

export function describeChange(change: HealthChange): string {
  return change.kind === 'failing'
    ? `outbox relay: publishing failed, backing off and retrying (rows stay unpublished meanwhile): ${change.error}`
    : `outbox relay: publishing again after ${change.failures} failed attempt(s) over ${(change.downMs / 1000).toFixed(1)} s`;
}
