// Platform and flow checks: PostgreSQL, Kafka, the lag sampler, the relay, the outbox.
import { formatDurationSeconds as dur, formatUtcTimestamp } from '../format/time';
import { SYSTEM } from './catalog';
import { levelOf, result, type CheckResult, type CheckState } from './check-types';
import type { CheckInputs, Heartbeat } from './inputs';
import type { Limit, Thresholds } from './thresholds';

const age = (at: Date, now: Date) => Math.max(0, (now.getTime() - at.getTime()) / 1000);

export function postgresCheck(i: CheckInputs): CheckResult {
  if (i.postgres.ok) return result('postgres.reachable', SYSTEM, 'OK', 'PostgreSQL answered the checker’s query.');
  return result('postgres.reachable', SYSTEM, 'CRIT', `PostgreSQL unreachable since ${formatUtcTimestamp(i.postgres.since)}: ${i.postgres.error}`);
}

/**
 * A process is fresh while its newest heartbeat is younger than the limit; a process that
 * says it beats less often than the WARN limit gets three of its intervals first.
 */
export function heartbeatState(beat: Heartbeat | null, now: Date, limit: Limit): { state: CheckState; age: number | null } {
  if (!beat) return { state: 'CRIT', age: null };
  const a = age(beat.lastBeatAt, now);
  const grace = beat.intervalMs ? (3 * beat.intervalMs) / 1000 : 0;
  return { state: levelOf(a, { warn: Math.max(limit.warn, grace), crit: Math.max(limit.crit, 2 * grace) }), age: a };
}

export function heartbeatCheck(kind: string, name: string, beat: Heartbeat | null, now: Date, limit: Limit): CheckResult {
  const h = heartbeatState(beat, now, limit);
  if (!beat || h.age === null) return result(kind, SYSTEM, 'CRIT', `No heartbeat from the ${name} in process_heartbeats: it has never run against this database.`);
  const words = `last heartbeat ${dur(h.age)} ago from ${beat.instance}`;
  if (h.state === 'OK') return result(kind, SYSTEM, 'OK', `The ${name} is running (${words}).`);
  return result(kind, SYSTEM, h.state, `The ${name} is silent: ${words} (WARN after ${dur(limit.warn)}, CRIT after ${dur(limit.crit)}).`);
}

/** Kafka's reachability as the lag sampler saw it at its last tick. */
export function kafkaCheck(i: CheckInputs, t: Thresholds): CheckResult {
  const s = i.sampler;
  if (s?.kafkaError) {
    const since = s.kafkaErrorSince ?? s.lastBeatAt;
    return result('kafka.reachable', SYSTEM, 'CRIT', `Kafka unreachable since ${formatUtcTimestamp(since)} (${dur(age(since, i.now))}): ${s.kafkaError}`);
  }
  const h = heartbeatState(s, i.now, t.heartbeatSeconds);
  if (h.state !== 'OK') return result('kafka.reachable', SYSTEM, 'WARN', 'Unknown: the lag sampler, which talks to Kafka, is not reporting (see “Lag sampler fresh”).');
  return result('kafka.reachable', SYSTEM, 'OK', `The lag sampler reached Kafka at its last tick (${dur(h.age ?? 0)} ago).`);
}

export function outboxChecks(i: CheckInputs, t: Thresholds): CheckResult[] {
  const o = i.outbox;
  if (!o) {
    const none = 'No outbox sample yet: the lag sampler writes one every tick.';
    return [result('outbox.backlog', SYSTEM, 'OK', none), result('outbox.age', SYSTEM, 'OK', none)];
  }
  const backlog = levelOf(o.backlog, t.outboxBacklog);
  const oldest = o.oldestUnpublishedAt ? age(o.oldestUnpublishedAt, i.now) : 0;
  const ageState = o.backlog > 0 ? levelOf(oldest, t.outboxAgeSeconds) : 'OK';
  return [
    result('outbox.backlog', SYSTEM, backlog, `${o.backlog} events unpublished (WARN at ${t.outboxBacklog.warn}, CRIT at ${t.outboxBacklog.crit}).`, { value: o.backlog }),
    result(
      'outbox.age',
      SYSTEM,
      ageState,
      o.backlog > 0 && o.oldestUnpublishedAt
        ? `The oldest unpublished event was written ${dur(oldest)} ago (WARN at ${dur(t.outboxAgeSeconds.warn)}, CRIT at ${dur(t.outboxAgeSeconds.crit)}).`
        : 'Nothing waits to be published.',
      { value: Math.round(oldest) },
    ),
  ];
}
