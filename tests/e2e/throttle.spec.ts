// Sign-in throttling (SIGNIN_MAX_FAILURES=3 for the e2e server). Uses a dedicated user,
// and its own client addresses, so the lock it causes touches no other test.
import { test, expect, freshClientAddress, setClientAddress } from './support/fixtures';
import { SIGNIN_MAX_FAILURES } from './support/env';
import { THROTTLED_MESSAGE, WRONG_CREDENTIALS_MESSAGE, expectSignInError, submitSignIn } from './support/sign-in';

test('after too many wrong passwords, even the right one is refused, for that e-mail and that client', async ({ page, users, clientAddress }) => {
  const victim = users.throttled;
  await page.goto('/');
  for (let attempt = 1; attempt <= SIGNIN_MAX_FAILURES; attempt += 1) {
    await submitSignIn(page, victim.email, `wrong-password-${attempt}`);
    await expectSignInError(page, WRONG_CREDENTIALS_MESSAGE);
  }

  // The right password now gets the throttling message, and no session.
  await submitSignIn(page, victim.email, victim.password);
  await expectSignInError(page, THROTTLED_MESSAGE);
  expect((await page.request.get('/api/me')).status()).toBe(401);

  // Locked per e-mail: another client address does not help.
  const otherAddress = freshClientAddress();
  expect(otherAddress).not.toBe(clientAddress);
  await setClientAddress(page, otherAddress);
  await page.reload();
  await submitSignIn(page, victim.email, victim.password);
  await expectSignInError(page, THROTTLED_MESSAGE);

  // Locked per client address: from the first address, another account is refused too.
  await setClientAddress(page, clientAddress);
  await page.reload();
  await submitSignIn(page, users.operator.email, users.operator.password);
  await expectSignInError(page, THROTTLED_MESSAGE);
  expect((await page.request.get('/api/me')).status()).toBe(401);
});

test('other users from other clients are unaffected by a locked account', async ({ page, users }) => {
  await page.goto('/');
  await submitSignIn(page, users.operator.email, users.operator.password);
  await page.waitForURL((url) => url.pathname === '/');
  await expect(page.getByTestId('current-role')).toHaveText('operator');
});

test('failures below the limit do not lock, and a success clears them', async ({ page, users }) => {
  await page.goto('/');
  for (let attempt = 1; attempt < SIGNIN_MAX_FAILURES; attempt += 1) {
    await submitSignIn(page, users.viewer.email, `wrong-${attempt}`);
    await expectSignInError(page, WRONG_CREDENTIALS_MESSAGE);
  }
  await submitSignIn(page, users.viewer.email, users.viewer.password);
  await page.waitForURL((url) => url.pathname === '/');
  await expect(page.getByTestId('current-user')).toHaveText(users.viewer.email);
});
