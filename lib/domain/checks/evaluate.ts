// All checks over one read of the inputs. Pure: the checker worker calls this every
// interval and stores the states; the unit tests call it with figures made by hand.
import type { CheckResult } from './check-types';
import type { CheckInputs } from './inputs';
import type { Thresholds } from './thresholds';
import { heartbeatCheck, kafkaCheck, outboxChecks, postgresCheck } from './evaluate-platform';
import { dlqChecks, groupLagCheck, groupStatusCheck } from './evaluate-consumers';
import { driftCheck, rebuildCheck } from './evaluate-projections';

/**
 * With PostgreSQL unreachable nothing else can be read: only its check is returned, and
 * the other states stand as they were (the checker does not turn them OK or CRIT blindly).
 */
export function evaluateChecks(i: CheckInputs, t: Thresholds): CheckResult[] {
  if (!i.postgres.ok) return [postgresCheck(i)];
  const groupOf = new Map(i.groups.map((g) => [g.consumer, g.groupId]));
  return [
    postgresCheck(i),
    kafkaCheck(i, t),
    heartbeatCheck('sampler.fresh', 'lag sampler', i.sampler, i.now, t.heartbeatSeconds),
    heartbeatCheck('relay.alive', 'outbox relay', i.relay, i.now, t.heartbeatSeconds),
    ...outboxChecks(i, t),
    ...i.groups.map((g) => groupStatusCheck(g, i.now)),
    ...i.groups.map((g) => groupLagCheck(g, t)),
    ...i.dlq.flatMap((d) => dlqChecks(d, t, (c) => groupOf.get(c))),
    ...i.projections.map((p) => driftCheck(p, t)),
    ...i.projections.map((p) => rebuildCheck(p)),
  ];
}
