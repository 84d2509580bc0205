// The demo consumers under the backbone's real message processor (decode,
// inbox dedup, savepoints, retries, dead-lettering) — fed from the outbox
// directly instead of through Kafka, so the whole order flow runs in-process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { createMessageProcessor, type IncomingMessage } from '@/lib/backbone/processor';
import { prismaProcessorDeps, type PrismaTx } from '@/lib/adapters/prisma/processor-ports';
import type { ConsumerDefinition } from '@/lib/backbone/consumer-definition';
import { createFaultInjector, demoConsumers } from '@/lib/demo/consumers';
import { executeOrderCommand } from '@/lib/demo/orders/commands';
import { createOrderEventRegistry, ORDERS_TOPIC } from '@/lib/demo/orders/events';
import { createOrderOutboxWriter } from '@/lib/demo/orders/outbox';
import { DEFAULT_KNOBS } from '@/lib/demo/knobs';
import { createTestDatabase, type TestDatabase } from '../support/database';

let database: TestDatabase;
let db: Db;
const outbox = createOrderOutboxWriter();

beforeAll(async () => {
  database = await createTestDatabase('demo_flow_processor');
  db = createDb(database.url);
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

/** Every consumer reads the whole outbox log (as from one partition) until no consumer produces anything new. */
async function runFlow(consumers: ConsumerDefinition<PrismaTx>[], options: { redeliver?: boolean } = {}): Promise<void> {
  const registry = createOrderEventRegistry();
  const processors = consumers.map((c) => createMessageProcessor(c, prismaProcessorDeps({ db, registry, outbox, sleep: async () => {}, random: () => 0 })));
  const offsets = consumers.map(() => -1n);
  for (let round = 0; round < 20; round++) {
    let progressed = false;
    for (const [i, processor] of processors.entries()) {
      const from = options.redeliver ? -1n : offsets[i]!;
      const rows = await db.outboxEvent.findMany({ where: { position: { gt: from } }, orderBy: { position: 'asc' } });
      if (rows.length === 0) continue;
      if (rows.at(-1)!.position > offsets[i]!) progressed = true;
      const messages: IncomingMessage[] = rows.map((r) => ({
        topic: ORDERS_TOPIC,
        partition: 0,
        offset: String(r.position),
        key: Buffer.from(r.subject),
        value: Buffer.from(JSON.stringify(r.envelope)),
        headers: [],
      }));
      await processor.process(messages, { onDone: () => {} });
      offsets[i] = rows.at(-1)!.position;
    }
    if (!progressed) return;
  }
  throw new Error('the flow did not settle');
}

describe('demo order flow under the message processor', () => {
  it('completes every order exactly once, even with injected transient failures and full redelivery', async () => {
    const deps = { db, outbox, now: () => new Date(), newId: () => uuidv7() };
    const customers = ['c-1', 'c-2', 'declined-c-3', 'c-4', 'c-5'];
    const orderIds: string[] = [];
    for (const customerId of customers) {
      orderIds.push((await executeOrderCommand(deps, { kind: 'PlaceOrder', customerId, amountCents: 1000, currency: 'EUR', channel: 'generator' })).orderId);
    }
    let calls = 0;
    // Every third handling attempt fails transiently: retries must cure it without double effects.
    const faults = createFaultInjector({ knobs: () => ({ ...DEFAULT_KNOBS, transientFailureShare: 0.5, permanentFailureShare: 0 }), random: () => (++calls % 3 === 0 ? 0 : 0.9) });
    const consumers = demoConsumers({ faults });
    await runFlow(consumers);
    await runFlow(consumers, { redeliver: true });

    const orders = await db.order.findMany({ where: { id: { in: orderIds } } });
    expect(orders.filter((o) => o.status === 'delivered')).toHaveLength(4);
    expect(orders.find((o) => o.customerId === 'declined-c-3')!.status).toBe('cancelled');
    const events = await db.outboxEvent.count({ where: { subject: { in: orderIds } } });
    expect(events).toBe(4 * 4 + 3);
    expect(await db.notification.count({ where: { orderId: { in: orderIds } } })).toBe(events);
    expect(await db.dlqMessage.count()).toBe(0);
    expect(await db.consumerAttempt.count({ where: { outcome: 'retry' } })).toBeGreaterThan(0);
    expect(await db.consumerAttempt.count({ where: { outcome: 'duplicate' } })).toBeGreaterThan(0);
  });
});
