// The console's HTTP boundary with a session: malformed, oversized and hostile
// input gets a clear 4xx with a code and loses nothing; roles are checked on
// the server and both refusals and changes land in the audit log.
import type { APIRequestContext } from '@playwright/test';
import { test, expect } from './support/fixtures';
import { signIn } from './support/sign-in';

const KNOBS = '/api/demo/knobs';

async function patch(request: APIRequestContext, data: string | Buffer, contentType = 'application/json') {
  const res = await request.fetch(KNOBS, { method: 'PATCH', data, headers: { 'content-type': contentType } });
  return { status: res.status(), body: (await res.json().catch(() => null)) as { error?: { code: string; message: string; details?: { issues?: unknown[] } }; knobs?: Record<string, unknown> } | null };
}

test.describe('console API input', () => {
  test('knobs need a session', async ({ request }) => {
    expect((await request.get(KNOBS)).status()).toBe(401);
    expect((await request.fetch(KNOBS, { method: 'PATCH', data: '{}', headers: { 'content-type': 'application/json' } })).status()).toBe(401);
  });

  test('a viewer may read the knobs but not change them; the refusal is audited', async ({ page, users }) => {
    await signIn(page, users.viewer);
    expect((await page.request.get(KNOBS)).status()).toBe(200);
    const res = await patch(page.request, JSON.stringify({ ratePerSecond: 9 }));
    expect(res.status).toBe(403);
    expect(res.body?.error?.code).toBe('forbidden');
    const audit = await page.request.get('/api/audit?action=demo.knobs.update&outcome=denied');
    const entries = ((await audit.json()) as { entries: Array<{ actorEmail: string }> }).entries;
    expect(entries.some((e) => e.actorEmail === users.viewer.email)).toBe(true);
  });

  test('an operator changes a knob; the change is audited', async ({ page, users }) => {
    await signIn(page, users.operator);
    const res = await patch(page.request, JSON.stringify({ ratePerSecond: 7, slowConsumer: 'shipping' }));
    expect(res.status).toBe(200);
    expect(res.body?.knobs).toMatchObject({ ratePerSecond: 7, slowConsumer: 'shipping' });
    const audit = await page.request.get('/api/audit?action=demo.knobs.update&outcome=ok');
    const entries = ((await audit.json()) as { entries: Array<{ actorEmail: string; details: { patch: unknown } }> }).entries;
    expect(entries.find((e) => e.actorEmail === users.operator.email)?.details.patch).toEqual({ ratePerSecond: 7, slowConsumer: 'shipping' });
  });

  test('bad bodies get a clear error and change nothing', async ({ page, users }) => {
    await signIn(page, users.operator);
    const before = ((await (await page.request.get(KNOBS)).json()) as { knobs: unknown }).knobs;
    const cases: Array<[string, string | Buffer, string, number, string]> = [
      ['malformed JSON', '{"ratePerSecond": 3,', 'application/json', 400, 'bad_request'],
      ['a JSON array', '[1,2]', 'application/json', 400, 'bad_request'],
      ['an unknown field', '{"rm -rf": true}', 'application/json', 400, 'bad_request'],
      ['a prototype-pollution key', '{"__proto__": {"admin": true}}', 'application/json', 400, 'bad_request'],
      ['an out-of-range value', '{"ratePerSecond": 1e9}', 'application/json', 400, 'bad_request'],
      ['a string where a number goes', '{"poisonShare": "lots"}', 'application/json', 400, 'bad_request'],
      ['a hostile consumer name', '{"slowConsumer": "<script>alert(1)</script>"}', 'application/json', 400, 'bad_request'],
      ['form encoding', 'ratePerSecond=3', 'application/x-www-form-urlencoded', 415, 'unsupported_media_type'],
      ['a 5 MB body', Buffer.alloc(5 * 1024 * 1024, 0x20), 'application/json', 413, 'payload_too_large'],
    ];
    for (const [label, data, type, status, code] of cases) {
      const res = await patch(page.request, data, type);
      expect(res.status, label).toBe(status);
      expect(res.body?.error?.code, label).toBe(code);
      expect(res.body?.error?.message, label).toBeTruthy();
    }
    expect(((await (await page.request.get(KNOBS)).json()) as { knobs: unknown }).knobs).toEqual(before);
  });

  test('bad query parameters get 400 with the offending parameter named', async ({ page, users }) => {
    await signIn(page, users.viewer);
    for (const query of ['limit=abc', 'limit=100000', 'limit=-1', `action=${'x'.repeat(500)}`, 'outcome=DROP%20TABLE', 'before=not-a-number']) {
      const res = await page.request.get(`/api/audit?${query}`);
      expect(res.status(), query).toBe(400);
      const body = (await res.json()) as { error: { code: string; details: { issues: Array<{ path: string }> } } };
      expect(body.error.code).toBe('bad_request');
      expect(body.error.details.issues[0]?.path, query).toBe(query.split('=')[0]);
    }
    expect((await page.request.get('/api/audit?limit=5')).status()).toBe(200);
  });
});
