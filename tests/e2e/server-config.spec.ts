// The production server refuses to start without a session secret, and says
// which variable to set (configuration is a boundary too).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import { e2ePort, repoRoot } from './support/env';

function startWithout(env: Record<string, string | undefined>) {
  const child = spawn(process.execPath, [path.join(repoRoot, 'node_modules/next/dist/bin/next'), 'start', '-p', String(e2ePort() + 7), '-H', '127.0.0.1'], {
    cwd: repoRoot,
    env: { ...process.env, NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

test.describe('production configuration', () => {
  for (const [label, secret] of [['missing', undefined], ['empty', ''], ['too short', 'short-secret']] as const) {
    test(`next start exits with 78 naming NEXTAUTH_SECRET when the secret is ${label}`, async () => {
      const { code, output } = await startWithout({ NEXTAUTH_SECRET: secret });
      expect(code).toBe(78);
      expect(output).toContain('NEXTAUTH_SECRET');
    });
  }

  test('next start exits with 78 naming DATABASE_URL when it is not a PostgreSQL URL', async () => {
    const { code, output } = await startWithout({ NEXTAUTH_SECRET: 'x'.repeat(40), DATABASE_URL: 'http://127.0.0.1/not-postgres' });
    expect(code).toBe(78);
    expect(output).toContain('DATABASE_URL');
  });
});
