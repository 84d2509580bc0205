// Hostile input on the sign-in page: oversized, SQL-ish and script-ish values get the
// ordinary clean error (no crash, nothing executed, nothing reflected), and no
// callbackUrl can send a signed-in user to another origin.
import type { Page } from '@playwright/test';
import { test, expect, freshClientAddress, setClientAddress } from './support/fixtures';
import { WRONG_CREDENTIALS_MESSAGE, expectSignInError, signInAlert, submitSignIn } from './support/sign-in';

/** Fails the test on any JavaScript dialog (an injected alert() would open one). */
function forbidDialogs(page: Page): string[] {
  const opened: string[] = [];
  page.on('dialog', (dialog) => {
    opened.push(dialog.message());
    void dialog.dismiss();
  });
  return opened;
}

/** Like a client that skips the browser's own checks (type=email, required). */
async function disableBrowserValidation(page: Page): Promise<void> {
  await page.getByRole('form', { name: 'Sign in' }).evaluate((form: HTMLFormElement) => {
    form.noValidate = true;
  });
}

let unknownCounter = 0;
function unknownEmail(): string {
  unknownCounter += 1;
  return `hostile-${unknownCounter}@e2e.signalbox.test`;
}

const HOSTILE_ATTEMPTS: Array<{ name: string; email: () => string; password: string }> = [
  { name: '10k-character e-mail', email: () => `${'a'.repeat(10_000)}@e2e.signalbox.test`, password: 'whatever' },
  { name: '100k-character password', email: unknownEmail, password: 'p'.repeat(100_000) },
  { name: 'SQL-ish e-mail', email: () => `admin@e2e.signalbox.test' OR '1'='1' --`, password: 'x' },
  { name: 'SQL-ish password', email: unknownEmail, password: `' OR 1=1; DROP TABLE "User"; --` },
  { name: 'script-ish e-mail', email: () => `<script>alert(1)</script>@e2e.signalbox.test`, password: 'x' },
  { name: 'script-ish password', email: unknownEmail, password: `"><img src=x onerror=alert(1)><script>alert(2)</script>` },
  { name: 'NUL and control characters', email: () => `nul\u0000@e2e.signalbox.test`, password: 'pass\u0000word\u0007' },
  { name: 'unicode and RTL override', email: () => `ü\u202Enimda@e2e.signalbox.test`, password: '🔑\u202E' },
];

test.describe('hostile sign-in input', () => {
  for (const attempt of HOSTILE_ATTEMPTS) {
    test(`${attempt.name}: clean error, no crash, the form still works`, async ({ page, users }) => {
      const dialogs = forbidDialogs(page);
      await page.goto('/signin');
      await disableBrowserValidation(page);
      await submitSignIn(page, attempt.email(), attempt.password);
      await expectSignInError(page, WRONG_CREDENTIALS_MESSAGE);
      // Nothing of the input is reflected or executed.
      await expect(page.locator('img[src="x"]')).toHaveCount(0);
      await expect(page.locator('body')).not.toContainText('alert(', { useInnerText: true });
      expect(dialogs).toEqual([]);

      // The server is fine and the same page still signs a real user in.
      expect((await page.request.get('/api/health')).status()).toBe(200);
      await setClientAddress(page, freshClientAddress());
      await submitSignIn(page, users.viewer.email, users.viewer.password);
      await page.waitForURL((url) => url.pathname === '/');
      await expect(page.getByTestId('current-user')).toHaveText(users.viewer.email);
    });
  }

  test('the browser itself refuses a value that is not an e-mail before anything is sent', async ({ page }) => {
    let posted = false;
    page.on('request', (req) => {
      if (req.method() === 'POST' && req.url().includes('/api/auth/callback/')) posted = true;
    });
    await page.goto('/signin');
    await submitSignIn(page, `' OR '1'='1`, 'x', { sent: false });
    const email = page.getByLabel('E-mail');
    expect(await email.evaluate((el: HTMLInputElement) => el.validity.valid)).toBe(false);
    await expect(signInAlert(page)).toHaveCount(0);
    expect(posted).toBe(false);
  });

  test('hostile error and callbackUrl parameters on the sign-in page are not reflected', async ({ page }) => {
    const dialogs = forbidDialogs(page);
    const script = '<script>alert(1)</script>';
    await page.goto(`/signin?error=${encodeURIComponent(script)}&callbackUrl=${encodeURIComponent(`/"><img src=x onerror=alert(1)>`)}`);
    await expect(signInAlert(page)).toHaveText(/^\W*Sign-in failed\. Try again\.$/);
    await expect(page.locator('img[src="x"]')).toHaveCount(0);
    await expect(page.locator('body')).not.toContainText('alert(', { useInnerText: true });
    expect(dialogs).toEqual([]);
  });

  test('a direct POST to the credentials endpoint with junk fields is refused cleanly', async ({ page, baseURL }) => {
    const csrf = (await (await page.request.get('/api/auth/csrf')).json()) as { csrfToken: string };
    const res = await page.request.post('/api/auth/callback/credentials', {
      form: {
        csrfToken: csrf.csrfToken,
        email: `${'x'.repeat(5_000)}@e2e.signalbox.test`,
        password: `'; SELECT pg_sleep(10); --`,
        callbackUrl: 'https://evil.example/steal',
        json: 'true',
      },
      headers: { 'x-forwarded-for': freshClientAddress() },
      maxRedirects: 0,
      timeout: 8_000,
    });
    expect(res.status()).toBeLessThan(500);
    const body = (await res.json()) as { url: string };
    const target = new URL(body.url, baseURL);
    expect(target.origin).toBe(new URL(baseURL!).origin);
    expect(target.searchParams.get('error')).toBe('CredentialsSignin');
    expect((await page.request.get('/api/me')).status()).toBe(401);
  });
});

test.describe('callbackUrl cannot leave the console', () => {
  const HOSTILE_CALLBACKS = [
    'https://evil.example',
    'https://evil.example/signin',
    '//evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    'javascript:alert(document.domain)',
    'http://127.0.0.1.evil.example/',
    `/${'a'.repeat(3_000)}`,
  ];

  test('after signing in, the browser stays on the same origin', async ({ page, users, baseURL, blockedRequests }) => {
    const dialogs = forbidDialogs(page);
    const origin = new URL(baseURL!).origin;
    for (const callbackUrl of HOSTILE_CALLBACKS) {
      await page.goto(`/signin?callbackUrl=${encodeURIComponent(callbackUrl)}`);
      await submitSignIn(page, users.viewer.email, users.viewer.password);
      await page.waitForURL((url) => url.pathname === '/', { timeout: 20_000 });
      expect(new URL(page.url()).origin, callbackUrl).toBe(origin);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText('Overview');
    }
    expect(blockedRequests).toEqual([]);
    expect(dialogs).toEqual([]);
  });

  test('a same-origin callbackUrl is still followed', async ({ page, users }) => {
    await page.goto(`/signin?callbackUrl=${encodeURIComponent('/dlq?x=1#top')}`);
    await submitSignIn(page, users.viewer.email, users.viewer.password);
    await page.waitForURL((url) => url.pathname === '/dlq' && url.search === '?x=1');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Dead-letter queue');
  });
});
