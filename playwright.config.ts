// End-to-end tests: a real browser (Debian's Chromium) against a PRODUCTION build of the
// console (`next start`), on a fresh database made for the run. The build itself is not
// done here: `npm run build` first (npm test and CI do). See docs/testing.md.
import { defineConfig } from '@playwright/test';
import { e2eBaseUrl } from './tests/e2e/support/env';
import { TEST_TOPIC_PREFIX } from './tests/support/test-topic-prefix';

// The tests' own topics on the shared broker, in the runner, its workers and the console
// and demo workers they start (tests/support/test-topic-prefix.ts).
process.env.KAFKA_TOPIC_PREFIX = TEST_TOPIC_PREFIX;

export default defineConfig({
  testDir: 'tests/e2e',
  testMatch: '**/*.spec.ts',
  // Artifacts (traces, screenshots of failures) only; Playwright empties this folder at
  // start, so it must not be test-results/ itself (npm test keeps vitest.json there).
  outputDir: 'test-results/e2e-artifacts',
  globalSetup: './tests/e2e/global-setup.ts',
  globalTeardown: './tests/e2e/global-teardown.ts',
  // Two cores shared by the Next.js server, PostgreSQL and Chromium.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e.json' }]],
  use: {
    baseURL: e2eBaseUrl(),
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    actionTimeout: 10_000,
    navigationTimeout: 20_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
  },
});
