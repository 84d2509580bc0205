// Destructive DLQ requests refuse unknown fields: dropping a misspelt one would change
// what the action does (a `dryrun` typo would replay for real; a `treceId` typo in a
// filter would widen the selection).
import { describe, expect, it } from 'vitest';
import { replayRequestSchema } from '@/lib/app/replay-dlq-messages';
import { discardRequestSchema } from '@/lib/app/discard-dlq-messages';
import { editRequestSchema } from '@/lib/app/edit-dlq-message';

const id = '0b6f0d6e-4d1c-4f43-9a57-6f0b8b1c2d3e';
const cause = 'a'.repeat(24);
const unknownKeys = (r: { success: boolean; error?: { issues: { code: string; keys?: string[] }[] } }) =>
  r.success ? [] : r.error!.issues.filter((i) => i.code === 'unrecognized_keys').flatMap((i) => i.keys ?? []);

describe('destructive DLQ requests are strict', () => {
  it('a replay request with a misspelt dryRun is refused, naming the field', () => {
    const r = replayRequestSchema.safeParse({ selection: { by: 'cause', cause }, dryrun: true });
    expect(r.success).toBe(false);
    expect(unknownKeys(r)).toEqual(['dryrun']);
  });

  it('a replay filter with a misspelt field is refused instead of widening the selection', () => {
    const r = replayRequestSchema.safeParse({ selection: { by: 'filter', filter: { consumer: 'payments', treceId: 'f'.repeat(32) } } });
    expect(r.success).toBe(false);
    expect(unknownKeys(r)).toEqual(['treceId']);
  });

  it('each selection kind refuses an extra field', () => {
    for (const selection of [
      { by: 'ids', ids: [id], consumer: 'x' },
      { by: 'cause', cause, extra: 1 },
      { by: 'trace', traceId: 'f'.repeat(32), all: true },
    ]) {
      expect(replayRequestSchema.safeParse({ selection }).success, JSON.stringify(selection)).toBe(false);
    }
  });

  it('well-formed requests still parse', () => {
    expect(replayRequestSchema.safeParse({ selection: { by: 'filter', filter: { consumer: 'payments', status: 'open' } }, dryRun: true }).success).toBe(true);
    expect(replayRequestSchema.safeParse({ selection: { by: 'ids', ids: [id] }, confirm: 'x', idempotencyKey: 'abcdefgh1' }).success).toBe(true);
    expect(discardRequestSchema.safeParse({ ids: [id], reason: 'duplicate order' }).success).toBe(true);
    expect(editRequestSchema.safeParse({ id, data: { a: 1 }, reason: 'fix amount' }).success).toBe(true);
  });

  it('discard and edit refuse unknown fields', () => {
    expect(unknownKeys(discardRequestSchema.safeParse({ ids: [id], reason: 'duplicate order', all: true }))).toEqual(['all']);
    expect(unknownKeys(editRequestSchema.safeParse({ id, data: {}, reason: 'fix amount', version: 3 }))).toEqual(['version']);
  });
});
