// The message processor over in-memory ports (no database): run planning, the
// batch path's fallback to one-by-one (and that it says why), dedup within a run.
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createMessageProcessor, type IncomingMessage } from '@/lib/backbone/processor';
import { decodeIncoming, nextStep } from '@/lib/backbone/processor/plan';
import { BatchItemError, replayTopicOf, type ConsumerDefinition } from '@/lib/backbone/consumer-definition';
import { AppError } from '@/lib/errors';
import type { AttemptRecord, DeadLetter, OutboxGroup, SqlTx } from '@/lib/backbone/ports';
import { buildEnvelope } from '@/lib/domain/events/envelope';
import { createOrderEventRegistry } from '@/lib/demo/orders/events';

const registry = createOrderEventRegistry();
const trace = { traceId: 'ab'.repeat(16), traceparent: `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01` };

function message(offset: number, type = 'orders.OrderCancelled', value?: Buffer, id = randomUUID()): IncomingMessage {
  const orderId = randomUUID();
  const envelope = buildEnvelope(
    { type, version: 1, subject: orderId, data: { orderId, customerId: 'c-1', reason: 'test' } },
    { id, time: new Date(0), source: '/test', ...trace },
  );
  return { topic: 't', partition: 0, offset: String(offset), key: null, value: value ?? Buffer.from(JSON.stringify(envelope)), headers: [] };
}

/** In-memory ports; a transaction (and a savepoint) that throws undoes its inbox claims and attempt records. */
function memoryPorts() {
  const inbox = new Set<string>();
  const attempts: AttemptRecord[] = [];
  const letters: DeadLetter[] = [];
  let savepoint: { inbox: Set<string>; attempts: number } | null = null;
  const snapshot = () => ({ inbox: new Set(inbox), attempts: attempts.length });
  const restore = (s: { inbox: Set<string>; attempts: number }) => {
    inbox.clear();
    s.inbox.forEach((k) => inbox.add(k));
    attempts.length = s.attempts;
  };
  const tx: SqlTx = {
    async $executeRawUnsafe(sql) {
      if (sql === 'SAVEPOINT event') savepoint = snapshot();
      if (sql === 'ROLLBACK TO SAVEPOINT event') restore(savepoint!);
      return 0;
    },
    $queryRawUnsafe: async <T>() => [] as T,
  };
  const ports = {
    transactions: {
      async run<T>(fn: (t: SqlTx) => Promise<T>) {
        const before = snapshot();
        try {
          return await fn(tx);
        } catch (error) {
          restore(before);
          throw error;
        }
      },
    },
    inbox: {
      async claim(_tx: SqlTx, consumer: string, items: readonly { eventId: string }[]) {
        const fresh = new Set<string>();
        for (const { eventId } of items) {
          if (inbox.has(`${consumer}/${eventId}`)) continue;
          inbox.add(`${consumer}/${eventId}`);
          fresh.add(eventId);
        }
        return fresh;
      },
    },
    attempts: { record: async (_tx: SqlTx, records: readonly AttemptRecord[]) => void attempts.push(...records) },
    deadLetters: {
      store: async (_tx: SqlTx, letter: DeadLetter) => (letters.push(letter), 'id'),
      deadLettered: async (_tx: SqlTx, consumer: string, ids: readonly string[]) =>
        new Set(letters.filter((l) => l.consumer === consumer && l.eventId && ids.includes(l.eventId)).map((l) => l.eventId!)),
    },
    outbox: { append: async () => [] },
  };
  return { ports, attempts, letters };
}

describe('run planning', () => {
  const rules = { handles: new Set(['orders.OrderCancelled']), registry, maxChunk: 2 };
  const decoded = [
    message(0),
    message(1),
    message(2),
    message(3, 'payments.PaymentFailed'),
    message(4, 'orders.OrderCancelled', Buffer.from('{not json')),
  ].map((m) => decodeIncoming(registry, m, undefined));

  it('takes consecutive handled messages as one run, up to maxChunk', () => {
    const step = nextStep(decoded, 0, rules);
    expect(step.kind === 'run' && step.items.map((i) => i.message.offset)).toEqual(['0', '1']);
    const rest = nextStep(decoded, 2, rules);
    expect(rest.kind === 'run' && rest.items.map((i) => i.message.offset)).toEqual(['2']);
  });
  it('passes over messages of known types it does not handle inside a run, and ends the run before anything else', () => {
    const mixed = [
      message(0),
      message(1, 'payments.PaymentFailed'),
      message(2),
      message(3, 'payments.PaymentFailed', Buffer.from(JSON.stringify({ type: 'payments.PaymentFailed', data: 'broken' }))),
      message(4),
      message(5, 'orders.OrderCancelled', Buffer.from('{not json')),
      message(6),
    ].map((m) => decodeIncoming(registry, m, undefined));
    const step = nextStep(mixed, 0, { ...rules, maxChunk: 10 });
    expect(step.kind === 'run' && step.items.map((i) => [i.message.offset, i.index])).toEqual([['0', 0], ['2', 2], ['4', 4]]);
    expect(nextStep(mixed, 1, rules).kind).toBe('skip'); // a run never starts with another's message
  });
  it('skips a type the consumer does not handle and dead-letters what cannot be decoded', () => {
    expect(nextStep(decoded, 3, rules).kind).toBe('skip');
    const step = nextStep(decoded, 4, rules);
    expect(step.kind === 'dead-letter' && step.error.code).toBe('undecodable');
  });
});

describe('message processor', () => {
  it('falls back from a failing batch to one by one, logs the cause, and applies each event once', async () => {
    const { ports, attempts, letters } = memoryPorts();
    const applied: string[] = [];
    const definition: ConsumerDefinition = {
      name: 'fallback',
      topics: ['t'],
      handles: ['orders.OrderCancelled'],
      async handle() {},
      async handleBatch(items) {
        if (items.length > 1) throw new TypeError('connection pool exhausted');
        applied.push(items[0]!.event.id);
      },
    };
    const log: string[] = [];
    const duplicateId = randomUUID();
    const messages = [message(0), message(1, undefined, undefined, duplicateId), message(2, undefined, undefined, duplicateId)];
    const done: string[] = [];
    const processor = createMessageProcessor(definition, { ...ports, registry, log: (line) => log.push(line) });
    expect(await processor.process(messages, { onDone: (m) => done.push(m.offset) })).toBe(true);

    expect(log).toHaveLength(1);
    expect(log[0]).toMatch(/batch of 3 failed .*connection pool exhausted.*one by one/);
    expect(done).toEqual(['0', '1', '2']);
    expect(applied).toHaveLength(2);
    expect(attempts.map((a) => a.outcome)).toEqual(['ok', 'ok', 'duplicate']);
    expect(letters).toHaveLength(0);
  });

  it('on a BatchItemError applies the events before it as a batch, retries the failing one alone, and goes on after it', async () => {
    const { ports, attempts, letters } = memoryPorts();
    const batches: string[][] = [];
    const failOnce = new Set<string>();
    const definition: ConsumerDefinition = {
      name: 'partial',
      topics: ['t'],
      handles: ['orders.OrderCancelled'],
      async handle() {
        throw new Error('handle() must not be called: the consumer has handleBatch');
      },
      async handleBatch(items) {
        // Fails the first time it sees the event at offset 2; nothing is written before the throw.
        const index = items.findIndex((item) => item.message.offset === '2' && !failOnce.has('2'));
        if (index >= 0) {
          failOnce.add('2');
          throw new BatchItemError(index, new AppError('transient', 'downstream timeout'));
        }
        batches.push(items.map((item) => item.message.offset));
      },
      retry: { maxAttempts: 3, baseMs: 1, maxMs: 1 },
    };
    const done: string[] = [];
    const processor = createMessageProcessor(definition, { ...ports, registry, sleep: async () => {}, log: () => {} });
    expect(await processor.process([0, 1, 2, 3, 4].map((o) => message(o)), { onDone: (m) => done.push(m.offset) })).toBe(true);

    // 0 and 1 again as a batch without 2; 2 alone on its retry; then 3 and 4 as the next run.
    expect(batches).toEqual([['0', '1'], ['2'], ['3', '4']]);
    expect(done).toEqual(['0', '1', '2', '3', '4']);
    expect(attempts.map((a) => `${a.offset}:${a.attempt}:${a.outcome}`)).toEqual(['0:1:ok', '1:1:ok', '2:1:retry', '2:2:ok', '3:1:ok', '4:1:ok']);
    expect(attempts.find((a) => a.outcome === 'retry')?.errorMessage).toBe('downstream timeout');
    expect(letters).toHaveLength(0);
  });

  it('appends the follow-ups a batch emits in one call, each caused by and tracing its own event', async () => {
    const { ports } = memoryPorts();
    const calls: OutboxGroup[][] = [];
    const outbox = { append: async () => [], appendGroups: async (_tx: SqlTx, groups: readonly OutboxGroup[]) => (calls.push([...groups]), []) };
    const definition: ConsumerDefinition = {
      name: 'emitter',
      topics: ['t'],
      handles: ['orders.OrderCancelled'],
      async handle() {},
      async handleBatch(items, ctx) {
        for (const item of items) ctx.emitFor(item, [{ type: 'orders.Noted', version: 1, subject: item.event.subject, data: { of: item.event.id } }]);
      },
    };
    const messages = [message(0), message(1), message(2)];
    const processor = createMessageProcessor(definition, { ...ports, outbox, registry, log: () => {} });
    await processor.process(messages, { onDone: () => {} });

    expect(calls).toHaveLength(1);
    const ids = messages.map((m) => JSON.parse(m.value!.toString()).id as string);
    expect(calls[0]!.map((g) => g.events[0]!.causationId)).toEqual(ids);
    expect(calls[0]!.map((g) => g.events[0]!.correlationId)).toEqual(ids);
    expect(calls[0]!.every((g) => g.traceparent === trace.traceparent)).toBe(true);
  });

  it('takes one event per transaction through handle() while batchable() says no', async () => {
    const { ports } = memoryPorts();
    const seen: string[] = [];
    const definition: ConsumerDefinition = {
      name: 'slowed',
      topics: ['t'],
      handles: ['orders.OrderCancelled'],
      handle: async (event) => void seen.push(`one:${event.id}`),
      handleBatch: async (items) => void seen.push(`batch:${items.length}`),
      batchable: () => false,
    };
    const processor = createMessageProcessor(definition, { ...ports, registry, log: () => {} });
    await processor.process([message(0), message(1)], { onDone: () => {} });
    expect(seen.map((s) => s.split(':')[0])).toEqual(['one', 'one']);
  });

  it('finishes the offsets of passed-over messages in order with the run, and up to a failing item only', async () => {
    const { ports, attempts } = memoryPorts();
    let failed = false;
    const definition: ConsumerDefinition = {
      name: 'sparse',
      topics: ['t'],
      handles: ['orders.OrderCancelled'],
      async handle() {},
      async handleBatch(items) {
        const index = items.findIndex((item) => item.message.offset === '4');
        if (index >= 0 && !failed) {
          failed = true;
          throw new BatchItemError(index, new AppError('transient', 'later'));
        }
      },
      retry: { maxAttempts: 2, baseMs: 1, maxMs: 1 },
    };
    const done: string[] = [];
    const processor = createMessageProcessor(definition, { ...ports, registry, sleep: async () => {}, log: () => {} });
    const messages = [message(0), message(1, 'payments.PaymentFailed'), message(2), message(3, 'payments.PaymentFailed'), message(4), message(5, 'payments.PaymentFailed')];
    await processor.process(messages, { onDone: (m) => done.push(m.offset) });
    expect(done).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(attempts.map((a) => `${a.offset}:${a.outcome}`)).toEqual(['0:ok', '2:ok', '4:retry', '4:ok']);
  });

  it('retries an unclassified failure within the attempt budget, then dead-letters it with its history', async () => {
    const { ports, attempts, letters } = memoryPorts();
    const definition: ConsumerDefinition = {
      name: 'refuses',
      topics: ['t'],
      handles: ['orders.OrderCancelled'],
      handle: async () => {
        throw new RangeError('boom');
      },
      retry: { maxAttempts: 3, baseMs: 1, maxMs: 1 },
    };
    const processor = createMessageProcessor(definition, { ...ports, registry, sleep: async () => {}, log: () => {} });
    await processor.process([message(0)], { onDone: () => {} });
    expect(letters).toHaveLength(1);
    expect(letters[0]!.attempts).toHaveLength(3);
    expect(attempts.map((a) => a.outcome)).toEqual(['retry', 'retry', 'dead_lettered']);
  });
  it('never applies an event behind its own dead letter when it is delivered again or re-sent; a replay still applies it', async () => {
    // Found by the fault suite: a message dead-lettered shortly before a restart was delivered
    // again (its offset not yet committed), and the handler, succeeding this time, applied it:
    // the event ended both applied and dead-lettered.
    const { ports, attempts, letters } = memoryPorts();
    let calls = 0;
    const applied: string[] = [];
    const definition: ConsumerDefinition = {
      name: 'flaky',
      topics: ['t'],
      handles: ['orders.OrderCancelled'],
      async handle(event) {
        if (calls++ === 0) throw new AppError('permanent', 'refused once');
        applied.push(event.id);
      },
    };
    const log: string[] = [];
    const processor = createMessageProcessor(definition, { ...ports, registry, sleep: async () => {}, log: (line) => log.push(line) });
    const first = message(7);
    await processor.process([first], { onDone: () => {} });
    expect(letters).toHaveLength(1);

    const done: string[] = [];
    const resent = { ...first, offset: '12' };
    const later = message(13);
    await processor.process([first, resent, later], { onDone: (m) => done.push(m.offset) });
    expect(done).toEqual(['7', '12', '13']);
    expect(applied).toEqual([JSON.parse(later.value!.toString()).id]);
    expect(log.filter((l) => /was dead-lettered before; not applied again/.test(l))).toHaveLength(2);

    // A replay (anything on the consumer's replay topic, with lineage headers or, as here, without) is applied.
    const replay = { ...first, topic: replayTopicOf('flaky'), offset: '0', headers: [] };
    await processor.process([replay], { onDone: () => {} });
    expect(applied).toContain(JSON.parse(first.value!.toString()).id);
    expect(attempts.filter((a) => a.outcome === 'ok')).toHaveLength(2);
  });

  it('leaves a message for redelivery instead of dead-lettering it when the database stays unavailable past the attempt budget', async () => {
    const { ports, letters } = memoryPorts();
    const lost = Object.assign(new Error('Connection terminated unexpectedly'), { code: '08006' });
    const definition: ConsumerDefinition = {
      name: 'outage',
      topics: ['t'],
      handles: ['orders.OrderCancelled'],
      handle: async () => {
        throw lost;
      },
      retry: { maxAttempts: 3, baseMs: 1, maxMs: 1 },
    };
    const done: string[] = [];
    const processor = createMessageProcessor(definition, { ...ports, registry, sleep: async () => {}, log: () => {} });
    await expect(processor.process([message(0)], { onDone: (m) => done.push(m.offset) })).rejects.toMatchObject({ code: 'db_unavailable' });
    expect(letters).toHaveLength(0);
    expect(done).toEqual([]);
  });
});
