import { describe, expect, it } from 'vitest';
import { afterFailure, afterSuccess, describeChange, HEALTHY, retryDelay } from '@/lib/adapters/outbox/relay-health';
import { parseEnv } from '@/lib/config/parse-env';
import { relayEnvSchema } from '@/lib/config/relay-env';

const at = (s: number) => new Date(Date.UTC(2026, 10, 27, 5, 0, s));

describe('relay health', () => {
  it('reports one change when failing starts and one when it ends, none per retry', () => {
    const first = afterFailure(HEALTHY, 'ECONNREFUSED', at(0));
    expect(first.change).toEqual({ kind: 'failing', error: 'ECONNREFUSED' });
    const second = afterFailure(first.health, 'ECONNREFUSED', at(2));
    const third = afterFailure(second.health, 'timeout', at(5));
    expect([second.change, third.change]).toEqual([null, null]);
    expect(third.health).toEqual({ failures: 3, since: at(0) });

    const back = afterSuccess(third.health, at(9));
    expect(back.change).toEqual({ kind: 'recovered', failures: 3, downMs: 9_000 });
    expect(back.health).toEqual(HEALTHY);
    expect(afterSuccess(back.health, at(10)).change).toBeNull();
    expect(describeChange(back.change!)).toContain('3 failed attempt(s) over 9.0 s');
  });

  it('backs off exponentially up to the ceiling, never below half the base', () => {
    const policy = { baseMs: 200, maxMs: 5_000 };
    const after = (failures: number, r: number) => retryDelay({ failures, since: at(0) }, policy, () => r);
    expect(after(1, 0.999)).toBe(199);
    expect(after(4, 0.999)).toBe(1_598);
    expect(after(20, 0.999)).toBe(4_995);
    expect(after(20, 0)).toBe(100);
  });
});

describe('relay configuration', () => {
  it('has defaults', () => {
    const env = parseEnv(relayEnvSchema, {}, 'outbox-relay');
    expect(env).toMatchObject({ RELAY_BATCH_SIZE: 500, RELAY_POLL_MS: 500, RELAY_LINGER_MS: 10, RELAY_MAX_BACKOFF_MS: 10_000, RELAY_LANES_PER_CLAIM: 32 });
  });

  it('names a batch size out of range', () => {
    expect(() => parseEnv(relayEnvSchema, { RELAY_BATCH_SIZE: '5001' }, 'outbox-relay')).toThrow(/RELAY_BATCH_SIZE: must be at most 5000/);
    expect(() => parseEnv(relayEnvSchema, { RELAY_LANES_PER_CLAIM: '0' }, 'outbox-relay')).toThrow(/RELAY_LANES_PER_CLAIM/);
  });
});
