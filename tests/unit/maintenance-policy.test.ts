import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_RETENTION_DAYS, MAX_RETENTION_DAYS, PRUNABLE_TABLES, retentionCutoffs } from '@/lib/domain/retention-policy';

const now = new Date('2026-11-28T12:00:00.000Z');

describe('retention policy', () => {
  it('keeps attempts 7 days and idempotency keys 30 days by default', () => {
    const cutoffs = Object.fromEntries(retentionCutoffs(now, DEFAULT_RETENTION_DAYS).map((c) => [c.table, c.cutoff.toISOString()]));
    expect(cutoffs).toEqual({
      consumer_attempts: '2026-11-21T12:00:00.000Z',
      idempotency_keys: '2026-10-29T12:00:00.000Z',
    });
  });

  it('prunes only the operational tables, never the outbox or the inbox', () => {
    expect([...PRUNABLE_TABLES].sort()).toEqual(['consumer_attempts', 'idempotency_keys']);
    expect(PRUNABLE_TABLES).not.toContain('outbox_events');
    expect(PRUNABLE_TABLES).not.toContain('consumer_inbox');
  });

  it('puts each cutoff exactly its age in whole days before now', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: MAX_RETENTION_DAYS }),
        fc.integer({ min: 1, max: MAX_RETENTION_DAYS }),
        fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
        (attempts, keys, at) => {
          const [a, k] = retentionCutoffs(at, { consumer_attempts: attempts, idempotency_keys: keys });
          expect(at.getTime() - a!.cutoff.getTime()).toBe(attempts * 86_400_000);
          expect(at.getTime() - k!.cutoff.getTime()).toBe(keys * 86_400_000);
          expect(a!.cutoff.getTime()).toBeLessThan(at.getTime());
        },
      ),
    );
  });

  it.each([0, -1, 1.5, Number.NaN, MAX_RETENTION_DAYS + 1])('refuses an age of %s days, naming the table', (days) => {
    expect(() => retentionCutoffs(now, { consumer_attempts: 7, idempotency_keys: days })).toThrow(/idempotency_keys/);
    expect(() => retentionCutoffs(now, { consumer_attempts: days, idempotency_keys: 30 })).toThrow(/consumer_attempts/);
  });

  it('refuses an invalid now', () => {
    expect(() => retentionCutoffs(new Date('nope'), DEFAULT_RETENTION_DAYS)).toThrow(RangeError);
  });
});
