// WARN / CRIT limits of the checks, as the checker's configuration gives them
// (lib/config/checks-env.ts). A figure at or above `warn` is WARN, at or above `crit` CRIT.
export interface Limit {
  warn: number;
  crit: number;
}

export interface Thresholds {
  lagSeconds: Limit;
  projectionLagSeconds: Limit;
  dlqInflowPerMinute: Limit;
  dlqOpen: Limit;
  outboxBacklog: Limit;
  outboxAgeSeconds: Limit;
  heartbeatSeconds: Limit;
  driftPercent: Limit;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  lagSeconds: { warn: 60, crit: 300 },
  projectionLagSeconds: { warn: 30, crit: 180 },
  dlqInflowPerMinute: { warn: 5, crit: 30 },
  dlqOpen: { warn: 100, crit: 1_000 },
  outboxBacklog: { warn: 1_000, crit: 10_000 },
  outboxAgeSeconds: { warn: 30, crit: 120 },
  heartbeatSeconds: { warn: 30, crit: 90 },
  driftPercent: { warn: 0, crit: 1 },
};
