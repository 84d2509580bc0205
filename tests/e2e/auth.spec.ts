// Sign-in, sign-out and deny-by-default, through the real form and the real proxy.
import { test, expect } from './support/fixtures';
import { WRONG_CREDENTIALS_MESSAGE, expectSignInError, signIn, signOut, submitSignIn } from './support/sign-in';

const PROTECTED_PAGES = ['/', '/consumers', '/dlq', '/traces', '/projections', '/runbooks', '/audit', '/audit?action=x&outcome=ok'];

test.describe('signed out', () => {
  for (const path of PROTECTED_PAGES) {
    test(`${path} redirects to sign-in and keeps where the visitor was going`, async ({ page }) => {
      await page.goto(path);
      await expect(page).toHaveURL(/\/signin\?/);
      expect(new URL(page.url()).searchParams.get('callbackUrl')).toBe(path);
      await expect(page.getByRole('heading', { name: 'Sign in to Signalbox' })).toBeVisible();
      await expect(page.getByTestId('current-user')).toHaveCount(0);
    });
  }

  test('API routes answer 401 JSON without a session; /api/health answers 200', async ({ request }) => {
    for (const [method, path] of [
      ['GET', '/api/me'],
      ['GET', '/api/audit'],
      ['GET', '/api/audit?action=x'],
      ['POST', '/api/audit'],
    ] as const) {
      const res = await request.fetch(path, {
        method,
        ...(method === 'POST' ? { data: { action: 'x' } } : {}),
        maxRedirects: 0,
      });
      expect(res.status(), `${method} ${path}`).toBe(401);
      expect(res.headers()['content-type'], `${method} ${path}`).toContain('application/json');
      expect(await res.json(), `${method} ${path}`).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    }

    const health = await request.get('/api/health');
    expect(health.status()).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', checks: { database: 'ok' } });
  });

  test('a forged session cookie is not a session', async ({ page, context, baseURL }) => {
    await context.addCookies([{ name: 'next-auth.session-token', value: 'forged.value.here', url: baseURL! }]);
    await page.goto('/consumers');
    await expect(page).toHaveURL(/\/signin\?callbackUrl=%2Fconsumers$/);
    const me = await page.request.get('/api/me');
    expect(me.status()).toBe(401);
  });
});

test.describe('signing in', () => {
  test('lands on the requested page, deep link and query included', async ({ page, users }) => {
    await signIn(page, users.operator, '/audit?action=x&outcome=ok');
    await expect(page.getByRole('heading', { level: 1, name: 'Audit' })).toBeVisible();
    await expect(page.getByLabel('Action')).toHaveValue('x');
    await expect(page.getByLabel('Outcome')).toHaveValue('ok');
  });

  test('every protected page is reachable after signing in from its own redirect', async ({ page, users }) => {
    await signIn(page, users.viewer, '/consumers');
    await expect(page.getByRole('heading', { level: 1, name: 'Consumers' })).toBeVisible();
    for (const path of PROTECTED_PAGES) {
      await page.goto(path);
      await expect(page).toHaveURL((url) => url.pathname + url.search === path);
      await expect(page.getByTestId('current-user')).toHaveText(users.viewer.email);
    }
  });

  test('e-mail is case-insensitive and trimmed', async ({ page, users }) => {
    await page.goto('/dlq');
    await submitSignIn(page, `  ${users.viewer.email.toUpperCase()} `, users.viewer.password);
    await page.waitForURL((url) => url.pathname === '/dlq');
    await expect(page.getByTestId('current-user')).toHaveText(users.viewer.email);
  });

  test('a wrong password shows the error and signs nobody in', async ({ page, users }) => {
    await page.goto('/runbooks');
    await submitSignIn(page, users.viewer.email, `${users.viewer.password}x`);
    await expectSignInError(page, WRONG_CREDENTIALS_MESSAGE);
    expect((await page.request.get('/api/me')).status()).toBe(401);
    // The form still works: the right password signs in and goes where the visitor was going.
    await submitSignIn(page, users.viewer.email, users.viewer.password);
    await page.waitForURL((url) => url.pathname === '/runbooks');
  });

  test('an unknown e-mail gets the same answer as a wrong password', async ({ page }) => {
    await page.goto('/signin');
    await submitSignIn(page, 'nobody@e2e.signalbox.test', 'not-a-password');
    await expectSignInError(page, WRONG_CREDENTIALS_MESSAGE);
  });

  test('the session answers /api/me with the user and role', async ({ page, users }) => {
    await signIn(page, users.admin, '/');
    const me = await page.request.get('/api/me');
    expect(me.status()).toBe(200);
    expect(await me.json()).toEqual({
      user: { id: expect.any(String), email: users.admin.email, name: 'E2E Admin', role: 'admin' },
    });
    const audit = await page.request.get('/api/audit');
    expect(audit.status()).toBe(200);
    expect(await audit.json()).toEqual({ entries: expect.any(Array) });
  });

  test('the sign-in page of a signed-in user still renders', async ({ page, users }) => {
    await signIn(page, users.viewer, '/');
    await page.goto('/signin');
    await expect(page.getByRole('heading', { name: 'Sign in to Signalbox' })).toBeVisible();
  });
});

test.describe('signing out', () => {
  test('returns to sign-in, and the pages and API are protected again', async ({ page, users }) => {
    await signIn(page, users.operator, '/traces');
    await signOut(page);
    expect((await page.context().cookies()).filter((c) => c.name.includes('session-token'))).toEqual([]);

    for (const path of ['/', '/traces', '/audit?action=x']) {
      await page.goto(path);
      await expect(page).toHaveURL(/\/signin\?/);
      expect(new URL(page.url()).searchParams.get('callbackUrl')).toBe(path);
    }
    expect((await page.request.get('/api/me')).status()).toBe(401);
  });
});
