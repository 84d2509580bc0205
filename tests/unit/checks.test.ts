import { describe, expect, it } from 'vitest';
import { evaluateChecks } from '@/lib/domain/checks/evaluate';
import type { CheckInputs, GroupFigures } from '@/lib/domain/checks/inputs';
import { DEFAULT_THRESHOLDS as T } from '@/lib/domain/checks/thresholds';
import { nextStates } from '@/lib/domain/checks/transitions';
import { historyBars } from '@/lib/domain/checks/history-bars';
import { checksEnvSchema } from '@/lib/config/checks-env';
import { parseEnv } from '@/lib/config/parse-env';
import type { CheckResult } from '@/lib/domain/checks/check-types';

const now = new Date('2026-11-28T12:00:00Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000);

function inputs(over: Partial<CheckInputs> = {}): CheckInputs {
  return {
    now,
    postgres: { ok: true },
    sampler: { instance: 'h:1', lastBeatAt: ago(5), intervalMs: 10_000, kafkaError: null, kafkaErrorSince: null },
    relay: { instance: 'h:2', lastBeatAt: ago(2), intervalMs: 5_000 },
    groups: [],
    dlq: [],
    outbox: { at: ago(5), backlog: 0, oldestUnpublishedAt: null },
    projections: [],
    ...over,
  };
}

const group = (over: Partial<GroupFigures> = {}): GroupFigures => ({
  groupId: 'signalbox.shipping',
  consumer: 'shipping',
  projection: null,
  at: ago(5),
  status: 'OK',
  evidence: 'OK: caught up (lag 0, 1 members)',
  members: 1,
  lag: 0,
  secondsBehind: 0,
  secondsLabel: 'exact',
  ...over,
});

const find = (rs: CheckResult[], id: string) => {
  const r = rs.find((x) => x.id === id);
  if (!r) throw new Error(`no check ${id} in ${rs.map((x) => x.id).join(', ')}`);
  return r;
};
const stateOf = (i: CheckInputs, id: string) => find(evaluateChecks(i, T), id).state;

describe('checks: platform', () => {
  it('is all OK on a healthy system', () => {
    const rs = evaluateChecks(inputs({ groups: [group()] }), T);
    expect(rs.filter((r) => r.state !== 'OK')).toEqual([]);
    expect(rs.map((r) => r.kind)).toEqual(expect.arrayContaining(['postgres.reachable', 'kafka.reachable', 'sampler.fresh', 'relay.alive', 'outbox.backlog', 'outbox.age', 'consumer.status', 'consumer.lag']));
  });

  it('PostgreSQL unreachable: only its CRIT, the rest is left as it was', () => {
    const rs = evaluateChecks(inputs({ postgres: { ok: false, error: 'connect ECONNREFUSED', since: ago(30) } }), T);
    expect(rs).toHaveLength(1);
    expect(rs[0]).toMatchObject({ id: 'postgres.reachable:system', state: 'CRIT' });
    expect(rs[0]!.evidence).toContain('ECONNREFUSED');
  });

  it('Kafka: CRIT with the sampler’s error and since-when; WARN when the sampler is silent', () => {
    const down = inputs({ sampler: { instance: 'h:1', lastBeatAt: ago(3), intervalMs: 10_000, kafkaError: 'Connection timeout', kafkaErrorSince: ago(120) } });
    const k = find(evaluateChecks(down, T), 'kafka.reachable:system');
    expect(k.state).toBe('CRIT');
    expect(k.evidence).toMatch(/since 2026-11-28 11:58:00 UTC \(2 min\): Connection timeout/);
    expect(stateOf(inputs({ sampler: null }), 'kafka.reachable:system')).toBe('WARN');
  });

  it('relay and sampler heartbeats: OK below WARN, WARN at it, CRIT at CRIT, CRIT when never seen', () => {
    const relay = (s: number) => inputs({ relay: { instance: 'h:2', lastBeatAt: ago(s), intervalMs: 5_000 } });
    expect(stateOf(relay(29), 'relay.alive:system')).toBe('OK');
    expect(stateOf(relay(30), 'relay.alive:system')).toBe('WARN');
    expect(stateOf(relay(89), 'relay.alive:system')).toBe('WARN');
    expect(stateOf(relay(90), 'relay.alive:system')).toBe('CRIT');
    expect(stateOf(inputs({ relay: null }), 'relay.alive:system')).toBe('CRIT');
    // A process that beats every 60 s gets three intervals before WARN.
    const slow = inputs({ sampler: { instance: 'h:1', lastBeatAt: ago(100), intervalMs: 60_000, kafkaError: null, kafkaErrorSince: null } });
    expect(stateOf(slow, 'sampler.fresh:system')).toBe('OK');
  });

  it('outbox backlog and oldest age at their boundaries', () => {
    const o = (backlog: number, age: number | null) => inputs({ outbox: { at: now, backlog, oldestUnpublishedAt: age === null ? null : ago(age) } });
    expect(stateOf(o(999, 1), 'outbox.backlog:system')).toBe('OK');
    expect(stateOf(o(1_000, 1), 'outbox.backlog:system')).toBe('WARN');
    expect(stateOf(o(10_000, 1), 'outbox.backlog:system')).toBe('CRIT');
    expect(stateOf(o(3, 29), 'outbox.age:system')).toBe('OK');
    expect(stateOf(o(3, 30), 'outbox.age:system')).toBe('WARN');
    expect(stateOf(o(3, 120), 'outbox.age:system')).toBe('CRIT');
    expect(stateOf(o(0, null), 'outbox.age:system')).toBe('OK');
  });
});

describe('checks: consumers', () => {
  it('maps the sampler status: STOP and STALL CRIT, WARN and REWIND WARN, ERR WARN (Kafka carries the CRIT)', () => {
    const s = (status: string) => stateOf(inputs({ groups: [group({ status, evidence: `${status}: x` })] }), 'consumer.status:shipping');
    expect(s('OK')).toBe('OK');
    expect(s('WARN')).toBe('WARN');
    expect(s('REWIND')).toBe('WARN');
    expect(s('STALL')).toBe('CRIT');
    expect(s('STOP')).toBe('CRIT');
    expect(s('ERR')).toBe('WARN');
  });

  it('status evidence quotes the sampler and carries the group for the runbook action', () => {
    const r = find(evaluateChecks(inputs({ groups: [group({ status: 'STOP', evidence: 'STOP: no commit for 12 min while lag is 340 and the group has no members' })] }), T), 'consumer.status:shipping');
    expect(r.evidence).toContain('signalbox.shipping: STOP: no commit for 12 min');
    expect(r.facts).toMatchObject({ group: 'signalbox.shipping', consumer: 'shipping' });
  });

  it('seconds behind: 59 OK, 60 WARN, 300 CRIT; no figure is OK', () => {
    const s = (secondsBehind: number | null) => stateOf(inputs({ groups: [group({ secondsBehind, lag: 10 })] }), 'consumer.lag:shipping');
    expect(s(59)).toBe('OK');
    expect(s(60)).toBe('WARN');
    expect(s(299)).toBe('WARN');
    expect(s(300)).toBe('CRIT');
    expect(s(null)).toBe('OK');
  });

  it('a group feeding a projection is judged as projection lag with its own limits', () => {
    const g = group({ groupId: 'signalbox.order-summary', consumer: 'order-summary', projection: 'order-summary', secondsBehind: 31, lag: 5 });
    const rs = evaluateChecks(inputs({ groups: [g] }), T);
    expect(find(rs, 'projection.lag:order-summary').state).toBe('WARN');
    expect(rs.find((r) => r.id === 'consumer.lag:order-summary')).toBeUndefined();
    expect(stateOf(inputs({ groups: [{ ...g, secondsBehind: 180 }] }), 'projection.lag:order-summary')).toBe('CRIT');
  });

  it('DLQ inflow per minute over the window and open count, with the top cause for the action', () => {
    const d = (recent: number, open: number) =>
      inputs({ groups: [group()], dlq: [{ consumer: 'shipping', open, recent, windowSeconds: 300, topCause: { key: 'abc', message: 'TypeError: x' }, newestTraceId: 't'.repeat(32) }] });
    expect(stateOf(d(24, 0), 'dlq.inflow:shipping')).toBe('OK'); // 4.8/min
    expect(stateOf(d(25, 0), 'dlq.inflow:shipping')).toBe('WARN'); // 5/min
    expect(stateOf(d(150, 0), 'dlq.inflow:shipping')).toBe('CRIT'); // 30/min
    expect(stateOf(d(0, 99), 'dlq.open:shipping')).toBe('OK');
    expect(stateOf(d(0, 100), 'dlq.open:shipping')).toBe('WARN');
    expect(stateOf(d(0, 1_000), 'dlq.open:shipping')).toBe('CRIT');
    const r = find(evaluateChecks(d(25, 0), T), 'dlq.inflow:shipping');
    expect(r.facts).toMatchObject({ consumer: 'shipping', group: 'signalbox.shipping', causeKey: 'abc' });
    expect(r.evidence).toContain('25 dead letters in the last 5 min (5/min');
  });
});

describe('checks: projections', () => {
  const p = (drift: NonNullable<CheckInputs['projections'][number]['drift']> | null, failedRebuild: CheckInputs['projections'][number]['failedRebuild'] = null) =>
    inputs({ projections: [{ name: 'order-summary', version: 2, drift, failedRebuild }] });
  const report = (status: 'clean' | 'drift' | 'failed', driftPct: number) => ({ id: 'r', status, driftPct, different: 1, missing: 0, extra: 0, finishedAt: ago(60), error: status === 'failed' ? 'timeout' : null });

  it('drift: clean OK, any drift WARN, at 1 % CRIT, failed check WARN, none yet OK', () => {
    expect(stateOf(p(report('clean', 0)), 'projection.drift:order-summary')).toBe('OK');
    expect(stateOf(p(report('drift', 0.01)), 'projection.drift:order-summary')).toBe('WARN');
    expect(stateOf(p(report('drift', 1)), 'projection.drift:order-summary')).toBe('CRIT');
    expect(stateOf(p(report('failed', 0)), 'projection.drift:order-summary')).toBe('WARN');
    expect(stateOf(p(null), 'projection.drift:order-summary')).toBe('OK');
  });

  it('a failed rebuild is WARN with its job for the action', () => {
    const r = find(evaluateChecks(p(null, { jobId: 'j1', error: 'boom', at: ago(10) }), T), 'projection.rebuild:order-summary');
    expect(r.state).toBe('WARN');
    expect(r.facts.jobId).toBe('j1');
    expect(stateOf(p(null), 'projection.rebuild:order-summary')).toBe('OK');
  });
});

describe('transitions and incidents', () => {
  const r = (state: CheckResult['state'], id = 'consumer.status:shipping'): CheckResult => ({ id, kind: id.split(':')[0]!, subject: id.split(':')[1]!, state, evidence: state, facts: {} });

  it('keeps since while the state holds; opens, escalates and closes incidents', () => {
    const t0 = ago(300);
    expect(nextStates([], [r('OK')], t0).transitions).toEqual([]);
    const warn = nextStates([{ id: 'consumer.status:shipping', state: 'OK', since: t0 }], [r('WARN')], ago(200));
    expect(warn.transitions).toMatchObject([{ from: 'OK', to: 'WARN', incident: 'open' }]);
    const same = nextStates([{ id: 'consumer.status:shipping', state: 'WARN', since: ago(200) }], [r('WARN')], ago(100));
    expect(same.transitions).toEqual([]);
    expect(same.states[0]!.since).toEqual(ago(200));
    expect(nextStates([{ id: 'consumer.status:shipping', state: 'WARN', since: ago(200) }], [r('CRIT')], now).transitions[0]!.incident).toBe('escalate');
    expect(nextStates([{ id: 'consumer.status:shipping', state: 'CRIT', since: ago(200) }], [r('WARN')], now).transitions[0]!.incident).toBeNull();
    expect(nextStates([{ id: 'consumer.status:shipping', state: 'CRIT', since: ago(200) }], [r('OK')], now).transitions[0]!.incident).toBe('close');
    expect(nextStates([], [r('CRIT')], now).transitions[0]).toMatchObject({ from: null, to: 'CRIT', incident: 'open' });
  });

  it('a check no longer reported closes its incident, unless the evaluation was partial', () => {
    const prev = [{ id: 'consumer.status:gone', state: 'CRIT' as const, since: ago(60) }];
    const done = nextStates(prev, [], now);
    expect(done.removed).toEqual(['consumer.status:gone']);
    expect(done.transitions[0]).toMatchObject({ checkId: 'consumer.status:gone', to: 'OK', incident: 'close' });
    expect(nextStates(prev, [], now, false).removed).toEqual([]);
  });
});

describe('history bars', () => {
  it('paints each bucket with the worst overlapping incident', () => {
    const bars = historyBars(
      [
        { startedAt: ago(3_600 * 5.5), endedAt: ago(3_600 * 5.2), worstState: 'WARN' },
        { startedAt: ago(3_600 * 5.4), endedAt: ago(3_600 * 4.5), worstState: 'CRIT' },
        { startedAt: ago(600), endedAt: null, worstState: 'WARN' },
        { startedAt: ago(3_600 * 48), endedAt: ago(3_600 * 47), worstState: 'CRIT' },
      ],
      now,
      24 * 3_600_000,
      24,
    );
    expect(bars).toHaveLength(24);
    expect(bars.map((b) => b.state[0]).join('')).toBe('OOOOOOOOOOOOOOOOOOCCOOOW');
  });
});

describe('checks configuration', () => {
  it('defaults, and names the variable when WARN is above CRIT or the secret is missing', () => {
    const env = parseEnv(checksEnvSchema, {}, 'checks');
    expect(env.CHECKS_LAG_WARN_SECONDS).toBe(60);
    expect(() => parseEnv(checksEnvSchema, { CHECKS_LAG_WARN_SECONDS: '600' }, 'checks')).toThrow(/CHECKS_LAG_CRIT_SECONDS: must be at least CHECKS_LAG_WARN_SECONDS/);
    expect(() => parseEnv(checksEnvSchema, { CHECKS_WEBHOOK_URL: 'https://hooks.example/x' }, 'checks')).toThrow(/CHECKS_WEBHOOK_SECRET/);
    expect(() => parseEnv(checksEnvSchema, { CHECKS_DLQ_OPEN_WARN: 'many' }, 'checks')).toThrow(/CHECKS_DLQ_OPEN_WARN: must be a number/);
  });
});
