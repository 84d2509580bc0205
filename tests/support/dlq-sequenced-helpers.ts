// What the sequenced dead-lettering int tests share (tests/int/dlq-sequenced*.test.ts):
// a sequenced consumer on its own topic whose effect is a notifications row and that
// fails permanently for the event ids listed in `broken`, started on the DLQ replay
// harness (PG + Kafka, idempotent producer, in-process dlq.replay runner), and the
// probes the tests read: a DLQ row by event id, the order a subject's events were applied
// in (notifications.id), and how many rows are still unsettled.
import { randomUUID } from 'node:crypto';
import type { Db } from '@/lib/adapters/prisma/client';
import type { PrismaTx } from '@/lib/adapters/prisma/processor-ports';
import type { ConsumerDefinition } from '@/lib/backbone/consumer-definition';
import type { ReplayDeps } from '@/lib/app/replay-dlq-messages';
import type { SessionUser } from '@/lib/domain/session-user';
import { AppError } from '@/lib/errors';
import { startDlqReplayHarness, type DlqReplayHarness, type DlqReplayHarnessOptions } from './dlq-replay-harness';
import { orderPlacedEnvelope, type OrderPlacedEnvelope } from './order-envelope';
import { waitFor } from './wait-for';

export const sequencedOperator: SessionUser = { id: randomUUID(), email: 'op@example.com', name: 'Op', role: 'operator' };
/** Replay limits that never ask for confirmation or approval; no canary. */
export const sequencedReplayLimits: ReplayDeps['limits'] = { confirmOver: 100, approvalOver: 10_000, rateCap: 2_000, canary: 0, maxInFlight: 5_000, canaryTimeoutMs: 20_000, actionsPerMinute: 1_000 };

export type SequencedEnvelope = OrderPlacedEnvelope;

export interface SequencedDlqTest {
  topic: string;
  consumerName: string;
  consumer: ConsumerDefinition<PrismaTx>;
  /** Event ids that fail permanently while listed. */
  broken: Set<string>;
  envelope(orderId: string): SequencedEnvelope;
  /** Starts the harness (call in beforeAll); the probes below need it. */
  start(options: Pick<DlqReplayHarnessOptions, 'database' | 'partitions' | 'runnerConcurrency' | 'replayTopicPartitions'>): Promise<DlqReplayHarness>;
  stop(): Promise<void>;
  send(events: SequencedEnvelope[]): ReturnType<DlqReplayHarness['producer']['send']>;
  rowOf(eventId: string): ReturnType<Db['dlqMessage']['findFirst']>;
  /** The subject's event ids in the order their effects were applied. */
  appliedOrder(orderId: string): Promise<string[]>;
  /** Rows of the consumer still open, parked or replaying. */
  unsettledCount(): Promise<number>;
  /** Sends `events` of one subject with the first failing; waits until it is dead-lettered and the rest parked; its row. */
  headWithParked(events: SequencedEnvelope[]): Promise<NonNullable<Awaited<ReturnType<Db['dlqMessage']['findFirst']>>>>;
}

/**
 * `name` names the topic (`t-<name>-<suffix>`), the consumer (`<name>-<suffix>`) and the harness;
 * `beforeApply` runs in the handler for an event that is not broken, before its effect.
 */
export function sequencedDlqTest(name: string, beforeApply?: (event: { id: string }) => Promise<void>): SequencedDlqTest {
  const suffix = randomUUID().slice(0, 8);
  const topic = `t-${name}-${suffix}`;
  const consumerName = `${name}-${suffix}`;
  const broken = new Set<string>();
  let harness: DlqReplayHarness | undefined;
  const started = () => {
    if (!harness) throw new Error('sequencedDlqTest: start() first');
    return harness;
  };

  const consumer: ConsumerDefinition<PrismaTx> = {
    name: consumerName,
    topics: [topic],
    handles: ['orders.OrderPlaced'],
    retry: { maxAttempts: 1, baseMs: 10, maxMs: 20 },
    sequenced: true,
    async handle(event, ctx) {
      if (broken.has(event.id)) throw new AppError('permanent', `mail server refused message ${event.id}`);
      await beforeApply?.(event);
      await ctx.tx.notification.create({ data: { eventId: event.id, orderId: (event.data as { orderId: string }).orderId, kind: event.type } });
    },
  };

  const rowOf = (eventId: string) => started().db.dlqMessage.findFirst({ where: { consumer: consumerName, eventId } });
  const send = (events: SequencedEnvelope[]) =>
    started().producer.send({ topic, acks: -1, messages: events.map((e) => ({ key: e.subject, value: JSON.stringify(e) })) });

  return {
    topic,
    consumerName,
    consumer,
    broken,
    envelope: (orderId) => orderPlacedEnvelope({ orderId, customerId: 'c-seq', trace: { trace_id: 'ab'.repeat(16) } }),
    async start(options) {
      harness = await startDlqReplayHarness({ ...options, suffix, consumer, poolSize: 8, idempotentProducer: true, jobRunner: true });
      return harness;
    },
    stop: async () => harness?.stop(),
    send,
    rowOf,
    appliedOrder: async (orderId) => (await started().db.notification.findMany({ where: { orderId }, orderBy: { id: 'asc' } })).map((n) => n.eventId),
    unsettledCount: () => started().db.dlqMessage.count({ where: { consumer: consumerName, status: { in: ['open', 'parked', 'replaying'] } } }),
    async headWithParked(events) {
      broken.add(events[0]!.id);
      await send(events);
      await waitFor('the head dead-lettered and the rest parked', async () => {
        const rows = await started().db.dlqMessage.findMany({ where: { consumer: consumerName, eventId: { in: events.map((e) => e.id) } } });
        return rows.length === events.length && rows.filter((r) => r.status === 'parked').length === events.length - 1;
      }, 30_000);
      return (await rowOf(events[0]!.id))!;
    },
  };
}
