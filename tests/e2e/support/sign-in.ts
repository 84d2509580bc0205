// Signing in and out through the real form, as a person would.
import { expect, type Locator, type Page } from '@playwright/test';
import type { E2eUser } from './env';

export const WRONG_CREDENTIALS_MESSAGE = 'E-mail or password is wrong.';
export const THROTTLED_MESSAGE = 'Too many failed attempts. Wait a few minutes, then try again.';

/**
 * Fills E-mail and Password on the sign-in page that is open, clicks Sign in and waits for
 * the server's answer (so an error box left from the previous attempt is never mistaken
 * for this one's). `sent: false` when the browser's own validation should stop the form.
 */
export async function submitSignIn(page: Page, email: string, password: string, options: { sent?: boolean } = {}): Promise<void> {
  const form = page.getByRole('form', { name: 'Sign in' });
  await form.getByLabel('E-mail').fill(email);
  await form.getByLabel('Password').fill(password);
  const button = form.getByRole('button', { name: 'Sign in' });
  if (options.sent === false) {
    await button.click();
    return;
  }
  await Promise.all([
    page.waitForResponse((res) => res.request().method() === 'POST' && new URL(res.url()).pathname === '/api/auth/callback/credentials'),
    button.click(),
  ]);
}

/** The sign-in form's error box (the page has another role=alert: Next's route announcer). */
export function signInAlert(page: Page): Locator {
  return page.getByRole('form', { name: 'Sign in' }).getByRole('alert');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The sign-in form shows exactly `message` (after its ⚠ icon), and is usable again. */
export async function expectSignInError(page: Page, message: string): Promise<void> {
  await expect(signInAlert(page)).toHaveText(new RegExp(`^\\W*${escapeRegExp(message)}$`));
  await expect(page).toHaveURL(/\/signin(\?|$)/);
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeEnabled();
}

/**
 * Opens `path` signed out (which redirects to the sign-in page), signs in as `user`
 * and waits until the browser is back on `path` inside the console.
 */
export async function signIn(page: Page, user: Pick<E2eUser, 'email' | 'password'>, path = '/'): Promise<void> {
  await page.goto(path);
  await expect(page).toHaveURL(/\/signin\?/);
  await submitSignIn(page, user.email, user.password);
  await page.waitForURL((url) => url.pathname + url.search === path, { timeout: 20_000 });
  await expect(page.getByTestId('current-user')).toHaveText(user.email);
}

/** Signs out with the sidebar button and waits for the sign-in page. */
export async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/signin(\?|$)/);
  await expect(page.getByRole('form', { name: 'Sign in' })).toBeVisible();
}
