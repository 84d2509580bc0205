// The DLQ journey in the console, on a real broker: a consumer (run here, against the
// e2e database) dead-letters events while its fault is on; the fault goes off; an
// operator goes Overview DLQ tile → failure group → Preview → Replay → confirm (5
// clicks), watches the replay job's progress (a real jobs worker process), and sees the
// group's open count fall to 0. A viewer sees the group but no replay controls.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import type { Producer } from 'kafkajs';
import { test, expect } from './support/fixtures';
import { signIn } from './support/sign-in';
import { e2eDir, repoRoot, stateFile } from './support/env';
import { createDb, type Db } from '../../lib/adapters/prisma/client';
import { createKafka, ensureTopics } from '../../lib/adapters/kafka/kafka-client';
import { startConsumer, type RunningConsumer } from '../../lib/adapters/kafka/consumer-runtime';
import { createOutboxWriter } from '../../lib/adapters/outbox/outbox-writer';
import type { PrismaTx } from '../../lib/adapters/prisma/processor-ports';
import type { ConsumerDefinition } from '../../lib/backbone/consumer-definition';
import { createOrderEventRegistry } from '../../lib/demo/orders/events';
import { AppError } from '../../lib/errors';

const databaseUrl = () => (JSON.parse(readFileSync(stateFile, 'utf8')) as { databaseUrl: string }).databaseUrl;
const run = randomUUID().slice(0, 8);
const topic = `e2e-dlq-${run}`;
const consumerName = `e2e-dlq-${run}`;
const COUNT = 5;
let faultOn = true;
let db: Db;
let producer: Producer;
let consumer: RunningConsumer;
let worker: ChildProcess | undefined;

const shipping: ConsumerDefinition<PrismaTx> = {
  name: consumerName,
  topics: [topic],
  handles: ['orders.OrderPlaced'],
  retry: { maxAttempts: 1, baseMs: 10, maxMs: 20 },
  async handle(event, ctx) {
    const data = event.data as { orderId: string };
    if (faultOn) throw new AppError('permanent', `carrier rejected parcel for order ${data.orderId}`);
    await ctx.tx.notification.create({ data: { eventId: event.id, orderId: data.orderId, kind: event.type } });
  },
};

test.describe('dlq', () => {
  test.describe.configure({ timeout: 120_000 });

  test.beforeAll(async () => {
    db = createDb(databaseUrl(), { poolSize: 3 });
    const kafka = createKafka({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), clientId: `e2e-${run}` });
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [{ topic, partitions: 1 }]);
    await admin.disconnect();
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    consumer = await startConsumer(shipping, { db, registry: createOrderEventRegistry(), outbox: createOutboxWriter({ source: '/e2e', topicFor: () => topic }) }, { kafka, groupPrefix: `e2e-${run}`, fromBeginning: true });
    const logFd = openSync(path.join(e2eDir, 'dlq-jobs-worker.log'), 'w');
    worker = spawn(process.execPath, ['--import', 'tsx', 'workers/jobs/index.ts'], {
      cwd: repoRoot,
      env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: databaseUrl(), LOG_LEVEL: 'info', JOBS_POLL_MS: '200', JOBS_SWEEP_MS: '500', JOBS_HEARTBEAT_MS: '500', JOBS_STALE_AFTER_MS: '5000' },
      stdio: ['ignore', logFd, logFd],
    });
    closeSync(logFd);
    const events = Array.from({ length: COUNT }, () => {
      const orderId = randomUUID();
      return { specversion: '1.0', id: uuidv7(), type: 'orders.OrderPlaced', version: 2, time: new Date().toISOString(), source: '/e2e', subject: orderId, datacontenttype: 'application/json', trace_id: 'ab'.repeat(16), data: { orderId, customerId: 'c-e2e', amountCents: 100, currency: 'EUR', channel: 'api' } };
    });
    await producer.send({ topic, acks: -1, messages: events.map((e) => ({ key: e.subject, value: JSON.stringify(e) })) });
    await expect.poll(() => db.dlqMessage.count({ where: { consumer: consumerName } }), { timeout: 30_000 }).toBe(COUNT);
    faultOn = false;
  });

  test.afterAll(async () => {
    if (worker && worker.exitCode === null) worker.kill('SIGTERM');
    await consumer?.stop();
    await producer?.disconnect();
    await db?.$disconnect();
  });

  test('an operator replays a failure group from the Overview in five clicks and sees it resolved', async ({ page, users }) => {
    await signIn(page, users.operator, '/');
    await page.getByTestId('tile-dlq').click(); // 1
    const row = page.getByTestId('dlq-causes').getByRole('row').filter({ hasText: consumerName });
    await expect(row).toContainText(`${COUNT} / ${COUNT}`);
    await row.getByTestId('dlq-cause-link').click(); // 2
    await expect(page.getByTestId('cause-open-count')).toContainText(`${COUNT} open`);
    await page.getByTestId('replay-preview').click(); // 3
    await expect(page.getByTestId('replay-preview-result')).toContainText(`${COUNT} open messages`);
    await expect(page.getByTestId('replay-preview-result')).toContainText('original order');
    await page.getByTestId('replay-start').click(); // 4
    const dialog = page.getByRole('dialog', { name: `Replay ${COUNT} messages` });
    await dialog.getByRole('button', { name: 'Replay', exact: true }).click(); // 5
    const job = page.getByTestId('replay-job');
    await expect(job.getByRole('progressbar')).toBeVisible();
    await expect(job).toContainText('succeeded', { timeout: 60_000 });
    await page.reload();
    await expect(page.getByTestId('cause-open-count')).toContainText(`0 open of ${COUNT}`);
    expect(await db.notification.count({ where: { orderId: { in: (await db.dlqMessage.findMany({ where: { consumer: consumerName } })).map((m) => m.subject!) } } })).toBe(COUNT);
  });

  test('a viewer sees the group and a message but no replay controls; the API refuses a replay with 403', async ({ page, users }) => {
    const message = await db.dlqMessage.findFirstOrThrow({ where: { consumer: consumerName } });
    await signIn(page, users.viewer, `/dlq/messages/${message.id}`);
    await expect(page.getByTestId('message-payload')).toContainText('"orderId"');
    await expect(page.getByTestId('replay-preview')).toHaveCount(0);
    const res = await page.request.post('/api/dlq/replay', { data: { selection: { by: 'ids', ids: [message.id] } } });
    expect(res.status()).toBe(403);
  });
});
