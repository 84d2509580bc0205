// Every kind of check: its title, where the status page lists it, and the subject it is
// about. Which runbook covers a kind is said by the runbooks' front matter (runbooks/*.md),
// not here; tests/unit/runbooks.test.ts checks that every kind has exactly one.
export type CheckArea = 'platform' | 'flow' | 'consumer' | 'projection';

export const CHECK_KINDS = {
  'postgres.reachable': { title: 'PostgreSQL reachable', area: 'platform' },
  'kafka.reachable': { title: 'Kafka reachable', area: 'platform' },
  'sampler.fresh': { title: 'Lag sampler fresh', area: 'platform' },
  'checker.fresh': { title: 'Checker fresh', area: 'platform' },
  'relay.alive': { title: 'Outbox relay alive', area: 'flow' },
  'outbox.backlog': { title: 'Outbox backlog', area: 'flow' },
  'outbox.age': { title: 'Oldest unpublished event', area: 'flow' },
  'consumer.status': { title: 'Consumer group status', area: 'consumer' },
  'consumer.lag': { title: 'Consumer seconds behind', area: 'consumer' },
  'dlq.inflow': { title: 'DLQ inflow', area: 'consumer' },
  'dlq.open': { title: 'DLQ open dead letters', area: 'consumer' },
  'projection.lag': { title: 'Projection lag', area: 'projection' },
  'projection.drift': { title: 'Projection drift', area: 'projection' },
  'projection.rebuild': { title: 'Projection rebuild', area: 'projection' },
} as const satisfies Record<string, { title: string; area: CheckArea }>;

export type CheckKind = keyof typeof CHECK_KINDS;
export const checkKinds = Object.keys(CHECK_KINDS) as CheckKind[];

export function isCheckKind(value: unknown): value is CheckKind {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(CHECK_KINDS, value);
}

export function titleOf(kind: string): string {
  return isCheckKind(kind) ? CHECK_KINDS[kind].title : kind;
}

export function areaOf(kind: string): CheckArea {
  return isCheckKind(kind) ? CHECK_KINDS[kind].area : 'platform';
}

/** Subject of the platform-wide checks. */
export const SYSTEM = 'system';
