// The wall view end to end: an admin creates a wall token on /settings/tokens; a browser
// with no session opens the link once, lands on a clean /wall (the token traded for an
// httpOnly cookie scoped to /wall), sees the states in large type, dark by default, and
// the figures refresh on their own. The token opens nothing else: no console page, no API
// route (neither as the cookie nor as a bearer token). Revoking it blanks the wall at its
// next refresh.
import { request as playwrightRequest } from '@playwright/test';
import { test, expect } from './support/fixtures';
import { signIn } from './support/sign-in';
import { e2eBaseUrl } from './support/env';

test.describe.configure({ mode: 'serial' });

test('a wall token opens /wall and nothing else; revoking it blanks the wall', async ({ page, users, browser }) => {
  test.setTimeout(120_000);
  await signIn(page, users.admin, '/settings/tokens');
  await page.getByLabel('Name (what uses it)').fill('wall-e2e');
  await page.getByLabel('Scope (what it opens)').selectOption('wall');
  await page.getByRole('button', { name: 'Create read-only token' }).click();
  const token = (await page.getByTestId('new-token-value').textContent())!.trim();
  const link = (await page.getByTestId('new-wall-link').textContent())!.trim();
  expect(link).toBe(`${new URL(page.url()).origin}/wall?token=${token}`);
  await expect(page.getByRole('row', { name: /wall-e2e/ })).toContainText('wall view');

  // A screen with no session.
  const screen = await browser.newContext({ baseURL: e2eBaseUrl(), viewport: { width: 1920, height: 1080 } });
  try {
    const wall = await screen.newPage();
    await wall.goto(`/wall?token=${token}`);
    await expect(wall).toHaveURL(/\/wall$/); // the token is gone from the address bar
    await expect(wall.getByTestId('wall-overall')).toBeVisible();
    await expect(wall.getByTestId('wall-overall')).toHaveText(/(✓ All OK|⚠ Warning|‼ Critical)/);
    await expect(wall.getByTestId('wall-count-CRIT')).toHaveText(/\d+ CRIT/);
    // Dark by default, large type.
    await expect(wall.getByTestId('wall')).toHaveAttribute('data-wall-theme', 'dark');
    const bg = await wall.getByTestId('wall').evaluate((el) => getComputedStyle(el).backgroundColor);
    const [r, g, b] = bg.match(/\d+/g)!.map(Number);
    expect(r! + g! + b!).toBeLessThan(120);
    const size = await wall.getByTestId('wall-overall').locator('[data-state]').first().evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    expect(size).toBeGreaterThanOrEqual(40);
    // The cookie: httpOnly, for /wall only.
    const cookie = (await screen.cookies()).find((c) => c.name === 'sbx_wall')!;
    expect(cookie).toMatchObject({ value: token, httpOnly: true, path: '/wall', sameSite: 'Strict' });
    // Refreshes on its own.
    const polled = await wall.waitForResponse((r) => new URL(r.url()).pathname === '/wall/data', { timeout: 20_000 });
    expect(polled.status()).toBe(200);
    await expect(wall.getByTestId('wall-freshness')).toContainText(/updated \d+ s ago · checks evaluated/);

    // Nothing else opens: console pages go to sign-in, API routes answer 401.
    for (const path of ['/', '/status', '/runbooks', '/settings/tokens', '/consumers']) {
      await wall.goto(path);
      await expect(wall, path).toHaveURL(/\/signin/);
    }
    // Even with the cookie sent everywhere, and with the token as a bearer token.
    await screen.addCookies([{ name: 'sbx_wall', value: token, url: e2eBaseUrl() }]);
    const api = screen.request;
    for (const path of ['/api/checks', '/api/status', '/api/consumers', '/api/metrics', '/api/overview', '/api/tokens']) {
      expect((await api.get(path)).status(), `${path} with the cookie`).toBe(401);
      expect((await api.get(path, { headers: { authorization: `Bearer ${token}` } })).status(), `${path} as bearer`).toBe(401);
    }
    const anonymous = await playwrightRequest.newContext({ baseURL: e2eBaseUrl() });
    try {
      expect((await anonymous.get('/wall/data')).status()).toBe(401);
      const noToken = await anonymous.get('/wall');
      expect(noToken.status()).toBe(200);
      expect(await noToken.text()).toContain('no valid wall token');
    } finally {
      await anonymous.dispose();
    }

    await wall.goto('/wall');
    await expect(wall.getByTestId('wall-overall')).toBeVisible();
    // Revoke: the wall blanks at its next refresh, without a reload.
    await page.getByRole('row', { name: /wall-e2e/ }).getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await expect(page.getByRole('row', { name: /wall-e2e/ })).toContainText('revoked');
    await expect(wall.getByTestId('wall-refused')).toBeVisible({ timeout: 25_000 });
    await expect(wall.getByTestId('wall-overall')).toHaveCount(0);
  } finally {
    await screen.close();
  }
});

test('a read API token does not open the wall', async ({ page, users }) => {
  await signIn(page, users.admin, '/settings/tokens');
  await page.getByLabel('Name (what uses it)').fill('not-a-wall');
  await page.getByRole('button', { name: 'Create read-only token' }).click();
  const token = (await page.getByTestId('new-token-value').textContent())!.trim();
  await expect(page.getByTestId('new-wall-link')).toHaveCount(0);
  const anonymous = await playwrightRequest.newContext({ baseURL: e2eBaseUrl() });
  try {
    const res = await anonymous.get(`/wall?token=${token}`, { maxRedirects: 0 });
    expect(res.status()).toBe(303);
    expect(res.headers()['location']).toBe('/wall?refused=1');
  } finally {
    await anonymous.dispose();
  }
});
