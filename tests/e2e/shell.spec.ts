// The console shell, signed in: navigation, who you are, every section's empty state,
// the theme and keyboard access.
import { test, expect } from './support/fixtures';
import { signIn } from './support/sign-in';

const SECTIONS = [
  { label: 'Overview', path: '/', heading: 'Overview', empty: /Nothing has been written to the outbox of this database/ },
  // consumer-lag.spec.ts samples groups, so a filter that matches nothing shows the empty state.
  { label: 'Consumers', path: '/consumers', heading: 'Consumers', empty: /Consumer groups with lag .* appear here|Clear the filters to see every group/, emptyPath: '/consumers?q=no.such.group' },
  { label: 'Outbox', path: '/outbox', heading: 'Outbox', empty: /No outbox sample yet/ },
  // consumer-lag.spec.ts runs the demo with faults, so dead letters may exist: a filter that matches nothing shows the empty state.
  { label: 'DLQ', path: '/dlq', heading: 'Dead-letter queue', empty: /Messages a consumer could not process land here/, emptyPath: '/dlq?consumer=no-such-consumer' },
  // Other specs write events, so recent flows may be listed: an id that matches nothing shows the empty state.
  { label: 'Traces', path: '/traces', heading: 'Traces', empty: /Search by trace ID, event ID or order ID|Nothing recorded under this id/, emptyPath: `/traces?q=${'f'.repeat(32)}` },
  // The migrations register the demo's projections, so this page always lists them.
  { label: 'Projections', path: '/projections', heading: 'Projections', empty: /No projections registered/, seeded: 'projections-table' },
  { label: 'Runbooks', path: '/runbooks', heading: 'Runbooks', empty: /No check results yet|The checker .* has not run/ },
  { label: 'Status', path: '/status', heading: 'Status', empty: /No check results yet|No incidents in the last 7 days/ },
  // jobs.spec.ts starts jobs, so a filter that matches nothing shows the empty state.
  { label: 'Jobs', path: '/jobs', heading: 'Jobs', empty: /Clear the filters to see every job|Jobs appear here/, emptyPath: '/jobs?kind=no.such.kind' },
  // Other specs write audit entries, so the log may hold rows: a filter that matches nothing shows the empty state.
  { label: 'API tokens', path: '/settings/tokens', heading: 'API tokens', empty: /Admins only|No API tokens yet/, emptyPath: '/settings/tokens' },
  { label: 'Audit', path: '/audit', heading: 'Audit', empty: /Every destructive action .* is recorded here/, emptyPath: '/audit?action=no.such.action' },
] as const;

const emptyPathOf = (s: (typeof SECTIONS)[number]) => ('emptyPath' in s ? s.emptyPath : s.path);

test.describe('signed in', () => {
  for (const key of ['admin', 'operator', 'viewer'] as const) {
    test(`the sidebar shows the ${key}'s e-mail and role`, async ({ page, users }) => {
      await signIn(page, users[key], '/');
      await expect(page.getByTestId('current-user')).toHaveText(users[key].email);
      await expect(page.getByTestId('current-role')).toHaveText(users[key].role);
    });
  }

  test('the navigation lists every section, in order', async ({ page, users }) => {
    await signIn(page, users.viewer, '/');
    const nav = page.getByRole('navigation', { name: 'Sections' });
    await expect(nav.getByRole('link')).toHaveText(SECTIONS.map((s) => s.label));
    for (const s of SECTIONS) await expect(nav.getByRole('link', { name: s.label, exact: true })).toHaveAttribute('href', s.path);
  });

  test('every section renders its heading and an empty state that says what will appear', async ({ page, users }) => {
    await signIn(page, users.viewer, '/');
    const nav = page.getByRole('navigation', { name: 'Sections' });
    for (const s of SECTIONS) {
      await nav.getByRole('link', { name: s.label, exact: true }).click();
      await expect(page).toHaveURL((url) => url.pathname === s.path);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(s.heading);
      const emptyState = page.getByRole('main').getByRole('status').filter({ hasText: s.empty });
      if ('seeded' in s) await expect(page.getByTestId(s.seeded)).toBeVisible();
      else await expect('emptyPath' in s ? emptyState.or(page.getByRole('main').getByRole('table')) : emptyState).toBeVisible();
      await expect(nav.getByRole('link', { name: s.label, exact: true })).toHaveAttribute('aria-current', 'page');
      await expect(nav.locator('[aria-current="page"]')).toHaveCount(1);
    }
  });

  test('each section also renders when opened directly (server render, no client navigation)', async ({ page, users }) => {
    await signIn(page, users.operator, '/');
    for (const s of SECTIONS) {
      const res = await page.goto(emptyPathOf(s));
      expect(res?.status(), s.path).toBe(200);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(s.heading);
      if ('seeded' in s) await expect(page.getByTestId(s.seeded)).toBeVisible();
      else await expect(page.getByRole('main').getByRole('status').filter({ hasText: s.empty })).toBeVisible();
    }
  });

  test('the theme selector switches to dark, and dark persists after reload', async ({ page, users }) => {
    await signIn(page, users.viewer, '/consumers');
    const html = page.locator('html');
    const theme = page.getByLabel('Colour theme');
    await expect(theme).toHaveValue('system');
    await expect(html).not.toHaveAttribute('data-theme', /.+/);

    await theme.selectOption('dark');
    await expect(html).toHaveAttribute('data-theme', 'dark');
    const darkBackground = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);

    await page.reload();
    await expect(html).toHaveAttribute('data-theme', 'dark');
    await expect(page.getByLabel('Colour theme')).toHaveValue('dark');
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(darkBackground);

    // Other pages too (the theme is applied before paint by the root layout).
    await page.goto('/audit');
    await expect(html).toHaveAttribute('data-theme', 'dark');

    await page.getByLabel('Colour theme').selectOption('light');
    await expect(html).toHaveAttribute('data-theme', 'light');
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).not.toBe(darkBackground);
    await page.getByLabel('Colour theme').selectOption('system');
    await expect(html).not.toHaveAttribute('data-theme', /.+/);
  });

  test('keyboard: Tab reaches the skip link first, which jumps to the content; then the nav links', async ({ page, users }) => {
    await signIn(page, users.viewer, '/projections');
    // Start from a fresh load, nothing focused.
    await page.reload();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Projections');

    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Skip to content' });
    await expect(skip).toBeFocused();
    await expect(skip).toBeInViewport(); // visible when focused, hidden otherwise
    await page.keyboard.press('Enter');
    await expect(page.locator('main#main')).toBeFocused();

    // From the top again: after the skip link, Tab walks the nav links in order.
    await page.reload();
    await page.keyboard.press('Tab');
    await expect(skip).toBeFocused();
    const nav = page.getByRole('navigation', { name: 'Sections' });
    for (const s of SECTIONS) {
      await page.keyboard.press('Tab');
      await expect(nav.getByRole('link', { name: s.label, exact: true })).toBeFocused();
    }
    // Enter on a focused nav link navigates.
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL((url) => url.pathname === '/audit');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Audit');
  });
});
