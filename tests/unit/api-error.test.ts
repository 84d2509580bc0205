import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { apiErrorBody, apiErrorMessage, parseApiError } from '@/lib/http/api-error';
import { formatInputIssues, inputIssues } from '@/lib/domain/input-issues';

describe('inputIssues', () => {
  it('turns a zod error into dotted paths and messages', () => {
    const schema = z.object({ a: z.object({ b: z.array(z.number()) }), c: z.string() });
    const parsed = schema.safeParse({ a: { b: [1, 'x'] } });
    expect(parsed.success).toBe(false);
    const issues = inputIssues(parsed.error!);
    expect(issues.map((i) => i.path)).toEqual(['a.b.1', 'c']);
    expect(formatInputIssues(issues, '--')).toMatch(/^--a\.b\.1: .+; --c: .+$/);
  });
});

describe('API error body', () => {
  it('round-trips through the client parser', () => {
    const body = apiErrorBody('bad_request', 'Invalid knobs.', { issues: [{ path: 'poisonShare', message: 'must be between 0 and 1' }] });
    expect(parseApiError(JSON.parse(JSON.stringify(body)))).toEqual(body.error);
  });

  it('rejects bodies that are not error bodies and drops malformed issues', () => {
    for (const bad of [null, 'x', {}, { error: 'x' }, { error: { code: 1, message: 'm' } }]) expect(parseApiError(bad)).toBeNull();
    const parsed = parseApiError({ error: { code: 'bad_request', message: 'm', details: { issues: [{ path: 'a', message: 'b' }, { path: 1 }] } } });
    expect(parsed?.details?.issues).toEqual([{ path: 'a', message: 'b' }]);
  });

  it('makes one sentence of a failed response, or says the status when the body is not an error body', async () => {
    const res = new Response(JSON.stringify(apiErrorBody('bad_request', 'Invalid knobs.', { issues: [{ path: 'x', message: 'too big' }] })), { status: 400 });
    expect(await apiErrorMessage(res)).toBe('Invalid knobs. x: too big');
    expect(await apiErrorMessage(new Response('<html>', { status: 502 }))).toBe('The console answered 502.');
  });
});
