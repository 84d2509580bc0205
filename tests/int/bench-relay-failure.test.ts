// bench/relay.ts when its own write transactions fail with Prisma P2028 (what a loaded
// machine did to it: no connection within maxWait, or a transaction past its timeout).
// BENCH_TX_TIMEOUT_MS=1 makes the first write fail that way. The bench must stop its
// relay process, delete its topic, drop its database, print one clear message naming
// P2028 and the phase (no stack trace, no crash output), and exit 1.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createKafka } from '@/lib/adapters/kafka/kafka-client';
import { testServerUrl } from '../support/database';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const STACK = /^\s+at .+(:\d+:\d+\)?|<anonymous>|native)$/m;
const CRASH = /node:internal|Unhandled|uncaught/i;

function runBench(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', 'relay'], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('bench/relay.ts under P2028', () => {
  it('cleans up (relay process, topic, database) and fails with a message naming P2028 and the phase', async () => {
    const { code, stdout, stderr } = await runBench({ BENCH_EVENTS: '1000', BENCH_LATENCY_SECONDS: '1', BENCH_TX_TIMEOUT_MS: '1' });
    expect(code, stdout + stderr).toBe(1);
    expect(stderr).toMatch(/relay bench failed during "relay warm-up": a write transaction of the bench itself failed with Prisma P2028/);
    expect(stderr).not.toMatch(STACK);
    expect(stderr).not.toMatch(CRASH);

    const cleaned = /cleaned up: relay process stopped, topic (\S+) deleted, database (\S+) dropped/.exec(stderr);
    expect(cleaned, stderr).not.toBeNull();
    const [, topic, database] = cleaned!;
    const relayPid = Number(/relay: separate process \(pid (\d+)\)/.exec(stdout)?.[1]);
    expect(relayPid).toBeGreaterThan(0);
    expect(alive(relayPid)).toBe(false);

    const server = new pg.Client({ connectionString: await testServerUrl() });
    await server.connect();
    try {
      const { rowCount } = await server.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      expect(rowCount).toBe(0);
    } finally {
      await server.end();
    }
    const admin = createKafka({ brokers, clientId: 'test-bench-relay-failure' }).admin();
    await admin.connect();
    try {
      expect(await admin.listTopics()).not.toContain(topic);
    } finally {
      await admin.disconnect();
    }
  }, 180_000);
});
