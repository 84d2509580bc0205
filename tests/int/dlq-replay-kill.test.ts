// A replay whose jobs worker process is SIGKILLed about half way: another worker
// resumes the job from its checkpoint; every dead letter ends resolved (none skipped)
// and every event has exactly one effect (a redone batch is a duplicate for the inbox).
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { v7 as uuidv7 } from 'uuid';
import type { Producer } from 'kafkajs';
import type { Db } from '@/lib/adapters/prisma/client';
import type { PrismaTx } from '@/lib/adapters/prisma/processor-ports';
import type { ConsumerDefinition } from '@/lib/backbone/consumer-definition';
import { replayDlqMessages } from '@/lib/app/replay-dlq-messages';
import type { SessionUser } from '@/lib/domain/session-user';
import { AppError } from '@/lib/errors';
import { jobKindRegistry } from '@/lib/jobs/kinds';
import { getJob } from '@/lib/read/get-job';
import { startDlqReplayHarness, type DlqReplayHarness } from '../support/dlq-replay-harness';
import { kafkaBrokers } from '../support/kafka';
import { waitFor } from '../support/wait-for';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const suffix = randomUUID().slice(0, 8);
const topic = `t-dlq-kill-${suffix}`;
const consumerName = `dlq-kill-${suffix}`;
const operator: SessionUser = { id: randomUUID(), email: 'op@example.com', name: null, role: 'operator' };
const TOTAL = 240;
let faultOn = true;
let harness: DlqReplayHarness;
let db: Db;
let producer: Producer;
const children: ChildProcess[] = [];

const testConsumer: ConsumerDefinition<PrismaTx> = {
  name: consumerName,
  topics: [topic],
  handles: ['orders.OrderPlaced'],
  retry: { maxAttempts: 1, baseMs: 10, maxMs: 20 },
  async handle(event, ctx) {
    const data = event.data as { orderId: string };
    if (faultOn) throw new AppError('permanent', `warehouse offline for order ${data.orderId}`);
    await ctx.tx.notification.create({ data: { eventId: event.id, orderId: data.orderId, kind: event.type } });
  },
};

function spawnWorker() {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/support/job-kinds-worker.ts'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: harness.database.url, KAFKA_BROKERS: kafkaBrokers().join(','), JOBS_POLL_MS: '100', JOBS_HEARTBEAT_MS: '250', JOBS_STALE_AFTER_MS: '3000', JOBS_SWEEP_MS: '300', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  children.push(child);
  return { child, output: () => output, exited: new Promise<void>((resolve) => child.on('exit', () => resolve())) };
}

beforeAll(async () => {
  harness = await startDlqReplayHarness({ database: 'dlq_replay_kill', suffix, consumer: testConsumer, partitions: 3, poolSize: 6 });
  ({ db, producer } = harness);
}, 120_000);

afterEach(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

afterAll(async () => {
  await harness?.stop();
});

it('resumes a replay after its worker is SIGKILLed half way: all resolved, one effect each', async () => {
  const events = Array.from({ length: TOTAL }, (_, i) => {
    const orderId = randomUUID();
    return { specversion: '1.0', id: uuidv7(), type: 'orders.OrderPlaced', version: 2, time: new Date().toISOString(), source: '/t', subject: orderId, datacontenttype: 'application/json', trace_id: 'ab'.repeat(16), data: { orderId, customerId: `c-${i}`, amountCents: 100, currency: 'EUR', channel: 'api' } };
  });
  await producer.send({ topic, acks: -1, messages: events.map((e) => ({ key: e.subject, value: JSON.stringify(e) })) });
  await waitFor('all dead letters', async () => (await db.dlqMessage.count({ where: { consumer: consumerName } })) === TOTAL, 60_000);
  faultOn = false;

  const first = spawnWorker();
  const limits = { confirmOver: 1_000, approvalOver: 10_000, rateCap: 2_000, canary: 0, maxInFlight: 5_000, canaryTimeoutMs: 20_000, actionsPerMinute: 100 };
  const { jobs } = await replayDlqMessages({ db, kinds: jobKindRegistry(), limits, now: () => new Date() }, operator, {
    selection: { by: 'filter', filter: { consumer: consumerName } }, ratePerSecond: 30, canary: 0,
  });
  const jobId = jobs[0]!.job.id;
  await waitFor('about half replayed', async () => (await db.dlqMessage.count({ where: { consumer: consumerName, status: { in: ['replaying', 'resolved'] } } })) >= TOTAL / 2, 60_000).catch((e: Error) => {
    throw new Error(`${e.message}\nworker output:\n${first.output()}`);
  });
  first.child.kill('SIGKILL');
  await first.exited;
  const atKill = await db.dlqMessage.count({ where: { consumer: consumerName, status: 'open' } });
  expect(atKill).toBeGreaterThan(0);

  const second = spawnWorker();
  const job = await waitFor('the job to finish on the second worker', async () => {
    const view = await getJob(db, jobId);
    return view.state === 'succeeded' || view.state === 'failed' ? view : null;
  }, 90_000).catch((e: Error) => {
    throw new Error(`${e.message}\nsecond worker output:\n${second.output()}`);
  });
  expect(job.state, job.error ?? '').toBe('succeeded');
  expect(job.attempts).toBeGreaterThanOrEqual(2);
  await waitFor('every row resolved', async () => (await db.dlqMessage.count({ where: { consumer: consumerName, status: 'resolved' } })) === TOTAL, 60_000);
  const effects = await db.notification.groupBy({ by: ['eventId'], where: { eventId: { in: events.map((e) => e.id) } }, _count: { _all: true } });
  expect(effects).toHaveLength(TOTAL);
  expect(effects.every((e) => e._count._all === 1)).toBe(true);
  const rows = await db.dlqMessage.findMany({ where: { consumer: consumerName } });
  expect(rows.every((r) => (r.replays as unknown[]).length === 1)).toBe(true);
}, 240_000);
