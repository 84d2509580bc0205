// Security headers and the cross-site request refusal (proxy.ts, docs/security.md):
// every page carries a Content-Security-Policy whose per-request nonce lets the
// console's own scripts (the theme script included) run and nothing injected; every
// state-changing request another site started is refused with 403, next-auth's too.
import { test, expect } from './support/fixtures';
import { signIn } from './support/sign-in';

const KNOBS = '/api/demo/knobs';

function directives(csp: string | undefined): Map<string, string[]> {
  return new Map((csp ?? '').split(';').map((d) => { const [name, ...values] = d.trim().split(/\s+/); return [name!, values]; }));
}

test.describe('response headers', () => {
  test('pages carry a CSP with a fresh nonce and no unsafe-eval, and the other security headers', async ({ page }) => {
    const first = await page.request.get('/signin');
    const second = await page.request.get('/signin');
    const csp = directives(first.headers()['content-security-policy']);
    const script = csp.get('script-src') ?? [];
    const nonce = script.find((s) => s.startsWith("'nonce-"));
    expect(nonce).toBeTruthy();
    expect(script).not.toContain("'unsafe-eval'");
    expect(script).not.toContain("'unsafe-inline'");
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(directives(second.headers()['content-security-policy']).get('script-src')).not.toContain(nonce);
    // The nonce on the page's scripts is this response's.
    expect(await first.text()).toContain(`nonce="${nonce!.slice(7, -1)}"`);

    const headers = first.headers();
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('same-origin');
    expect(headers['permissions-policy']).toMatch(/camera=\(\)/);
    // Served over plain http here: no HSTS (it would pin a host that has no https).
    expect(headers['strict-transport-security']).toBeUndefined();

    const api = await page.request.get('/api/health');
    expect(api.headers()['content-security-policy']).toBeTruthy();
  });

  test('the theme script runs under the CSP, with no violation reported', async ({ page, users }) => {
    const violations: string[] = [];
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()); });
    await signIn(page, users.viewer, '/consumers');
    await page.getByLabel('Colour theme').selectOption('dark');
    await page.goto('/signin'); // no theme selector here: only the inline theme script can set it
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    await page.goto('/');
    await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    expect(violations).toEqual([]);
  });

  test('an inline script injected into a page does not run; the nonced theme script does', async ({ page }) => {
    await page.addInitScript(() => localStorage.setItem('signalbox-theme', 'dark'));
    await page.route('**/signin', async (route) => {
      const response = await route.fetch();
      const html = (await response.text()).replace('<head>', '<head><script>window.__injected = "ran"</script>');
      await route.fulfill({ response, body: html });
    });
    const violations: string[] = [];
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()); });
    await page.goto('/signin');
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
    expect(await page.evaluate(() => (window as unknown as { __injected?: string }).__injected)).toBeUndefined();
    expect(violations.length).toBeGreaterThan(0);
  });
});

test.describe('cross-site requests', () => {
  test('a state change with a foreign Origin or Sec-Fetch-Site: cross-site is refused with 403; same-origin works', async ({ page, users, baseURL }) => {
    await signIn(page, users.operator);
    const before = ((await (await page.request.get(KNOBS)).json()) as { knobs: { slowMs: number } }).knobs.slowMs;
    const patch = (headers: Record<string, string>, slowMs: number) =>
      page.request.fetch(KNOBS, { method: 'PATCH', data: { slowMs }, headers: { 'content-type': 'application/json', ...headers } });

    const foreign = await patch({ origin: 'https://evil.example' }, before + 1);
    expect(foreign.status()).toBe(403);
    expect(await foreign.json()).toMatchObject({ error: { code: 'forbidden' } });
    expect((await patch({ 'sec-fetch-site': 'cross-site' }, before + 2)).status()).toBe(403);
    expect((await patch({ origin: baseURL!, 'sec-fetch-site': 'cross-site' }, before + 3)).status()).toBe(403);
    expect((await patch({ origin: 'null' }, before + 4)).status()).toBe(403);
    // Nothing changed.
    expect(((await (await page.request.get(KNOBS)).json()) as { knobs: { slowMs: number } }).knobs.slowMs).toBe(before);

    const same = await patch({ origin: baseURL!, 'sec-fetch-site': 'same-origin' }, before + 5);
    expect(same.status()).toBe(200);
    expect(((await same.json()) as { knobs: { slowMs: number } }).knobs.slowMs).toBe(before + 5);
  });

  test("next-auth's own POSTs are refused cross-site, and the sign-in form still works", async ({ page, users, baseURL }) => {
    const csrf = (await (await page.request.get('/api/auth/csrf')).json()) as { csrfToken: string };
    const form = { csrfToken: csrf.csrfToken, email: users.viewer.email, password: users.viewer.password, json: 'true' };
    const foreign = await page.request.post('/api/auth/callback/credentials', { form, headers: { origin: 'https://evil.example' }, maxRedirects: 0 });
    expect(foreign.status()).toBe(403);
    const crossSite = await page.request.post('/api/auth/signout', { form: { csrfToken: csrf.csrfToken }, headers: { 'sec-fetch-site': 'cross-site' }, maxRedirects: 0 });
    expect(crossSite.status()).toBe(403);
    expect((await page.request.get('/api/me')).status()).toBe(401);
    await signIn(page, users.viewer, '/');
    expect(new URL(page.url()).origin).toBe(new URL(baseURL!).origin);
  });

  test('a real browser form posted from another origin is refused', async ({ page, baseURL }) => {
    // localhost and 127.0.0.1 are different sites to the browser, which sets Origin and
    // Sec-Fetch-Site itself. The attacker's page is served by the test (not by the console:
    // the console's own CSP, form-action 'self', would stop the browser from even posting).
    const attacker = `${baseURL!.replace('127.0.0.1', 'localhost')}/attacker.html`;
    const target = `${baseURL}/api/auth/signout`;
    await page.route(attacker, (route) =>
      route.fulfill({ contentType: 'text/html', body: `<form id="f" method="POST" action="${target}"><input name="csrfToken" value="x"></form>` }),
    );
    await page.goto(attacker);
    const [response] = await Promise.all([
      page.waitForResponse((res) => res.url() === target && res.request().method() === 'POST'),
      page.evaluate(() => (document.getElementById('f') as HTMLFormElement).submit()),
    ]);
    expect(await response.request().headerValue('origin')).toBe(new URL(attacker).origin);
    expect(response.status()).toBe(403);
  });
});
