// The heart of an idempotent consumer, independent of kafkajs: takes the
// messages of one partition in order and, for each, ends in exactly one of
// "applied" (effect + inbox row + attempt record in one transaction),
// "duplicate", "skipped" (type not handled) or "dead-lettered". It reports
// each finished message through onDone so the caller can resolve its offset.
import { randomBytes } from 'node:crypto';
import type { Db, Prisma } from '../prisma/client';
import type { ConsumerDefinition, BatchItem, HandlerContext, RetryPolicy } from '../../backbone/consumer-definition';
import { defaultRetryPolicy } from '../../backbone/consumer-definition';
import { classifyError, type ClassifiedError } from '../../backbone/classify-error';
import { decodeMessage, type DecodeResult } from '../../domain/events/decode';
import type { EventRegistry } from '../../domain/events/registry';
import { newTraceContext } from '../../domain/events/trace-context';
import { backoffDelay } from '../../domain/backoff';
import { errorFingerprint } from '../../domain/fingerprint';
import { claimInbox, recordAttempts, type AttemptRecord } from '../prisma/inbox-store';
import { storeDeadLetter, type AttemptHistoryEntry, type RawHeader } from '../prisma/dlq-store';
import type { OutboxWriter } from '../outbox/outbox-writer';
import { contextFromTraceparent, inSpan, SpanKind } from '../otel/tracing';

export interface IncomingMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: RawHeader[];
}

export interface ProcessorDeps {
  db: Db;
  registry: EventRegistry;
  outbox: OutboxWriter;
  now?: () => Date;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  maxMessageBytes?: number;
  /** Largest number of events applied in one transaction. */
  maxChunk?: number;
  transactionTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface ProcessHooks {
  onDone(message: IncomingMessage): void;
  /** Called while waiting between retries, so the caller can heartbeat. */
  onWait?(): Promise<void>;
  /** False once the consumer is stopping: retries stop early and the message is left for redelivery. */
  isRunning?(): boolean;
}

interface Decoded {
  message: IncomingMessage;
  result: DecodeResult;
}

const randomHex = (bytes: number) => randomBytes(bytes).toString('hex');
const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function headerValue(headers: readonly RawHeader[], key: string): string | undefined {
  const h = headers.find((x) => x.key === key);
  return h ? Buffer.from(h.valueBase64, 'base64').toString('utf8') : undefined;
}

export function createMessageProcessor(definition: ConsumerDefinition, deps: ProcessorDeps) {
  const now = deps.now ?? (() => new Date());
  const random = deps.random ?? Math.random;
  const sleep = deps.sleep ?? defaultSleep;
  const retry: RetryPolicy = definition.retry ?? defaultRetryPolicy;
  const maxChunk = deps.maxChunk ?? 500;
  const txOptions = { timeout: deps.transactionTimeoutMs ?? 30_000, maxWait: 10_000 };
  const handles = new Set(definition.handles);
  const consumer = definition.name;

  function decode(message: IncomingMessage): Decoded {
    const headers: Record<string, string | undefined> = { traceparent: headerValue(message.headers, 'traceparent') };
    return {
      message,
      result: decodeMessage(deps.registry, { value: message.value, headers }, { maxBytes: deps.maxMessageBytes, newTrace: () => newTraceContext(randomHex) }),
    };
  }

  function contextFor(tx: Prisma.TransactionClient, item: BatchItem | null, attempt: number): HandlerContext {
    return {
      tx,
      consumer,
      attempt,
      message: item?.message ?? { topic: '', partition: -1, offset: '-1' },
      emit: (events) =>
        deps.outbox.append(
          tx,
          events.map((e) => ({ ...e, causationId: item?.event.id ?? null, correlationId: item?.event.correlation_id ?? item?.event.id ?? null })),
          { traceparent: item?.event.traceparent },
        ),
    };
  }

  function attemptRecord(item: BatchItem, attempt: number, outcome: AttemptRecord['outcome'], durationMs: number, error?: ClassifiedError): AttemptRecord {
    return {
      consumer,
      eventId: item.event.id,
      traceId: item.event.trace_id,
      topic: item.message.topic,
      partition: item.message.partition,
      offset: item.message.offset,
      attempt,
      outcome,
      durationMs,
      errorClass: error?.errorClass ?? null,
      errorMessage: error?.message ?? null,
    };
  }

  /** Applies items in one transaction. Returns how many were finished; stops at the first failing one. */
  async function applyRun(items: readonly BatchItem[]): Promise<{ done: number; failure?: { error: unknown; durationMs: number } }> {
    const started = performance.now();
    // Fast path: the consumer applies the whole run at once.
    if (definition.handleBatch && items.length > 1) {
      try {
        await deps.db.$transaction(async (tx) => {
          const fresh = await claimInbox(tx, consumer, items.map(toInboxItem));
          const seen = new Set<string>();
          const applied: BatchItem[] = [];
          const appliedSet = new Set<BatchItem>();
          const records: AttemptRecord[] = [];
          for (const item of items) {
            const isNew = fresh.has(item.event.id) && !seen.has(item.event.id);
            seen.add(item.event.id);
            if (isNew) {
              applied.push(item);
              appliedSet.add(item);
            }
          }
          await definition.handleBatch!(applied, contextFor(tx, null, 1));
          const each = (performance.now() - started) / items.length;
          for (const item of items) records.push(attemptRecord(item, 1, appliedSet.has(item) ? 'ok' : 'duplicate', each));
          await recordAttempts(tx, records);
        }, txOptions);
        return { done: items.length };
      } catch {
        // Fall through to one-by-one, which finds the failing event and applies the rest.
      }
    }
    let done = 0;
    let failure: { error: unknown; durationMs: number } | undefined;
    await deps.db.$transaction(async (tx) => {
      const records: AttemptRecord[] = [];
      for (const item of items) {
        // A slow handler must not run the transaction into its timeout: commit what is done and go on in a new one.
        if (done > 0 && performance.now() - started > txOptions.timeout / 2) break;
        const t0 = performance.now();
        await tx.$executeRawUnsafe('SAVEPOINT event');
        try {
          const fresh = await claimInbox(tx, consumer, [toInboxItem(item)]);
          const duplicate = !fresh.has(item.event.id);
          if (!duplicate) await handleOne(tx, item, 1);
          await tx.$executeRawUnsafe('RELEASE SAVEPOINT event');
          records.push(attemptRecord(item, 1, duplicate ? 'duplicate' : 'ok', performance.now() - t0));
          done++;
        } catch (error) {
          await tx.$executeRawUnsafe('ROLLBACK TO SAVEPOINT event');
          failure = { error, durationMs: performance.now() - t0 };
          break;
        }
      }
      await recordAttempts(tx, records);
    }, txOptions);
    return { done, failure };
  }

  async function handleOne(tx: Prisma.TransactionClient, item: BatchItem, attempt: number): Promise<void> {
    const ctx = contextFor(tx, item, attempt);
    await inSpan(
      `${consumer} process ${item.event.type}`,
      {
        kind: SpanKind.CONSUMER,
        parent: contextFromTraceparent(item.event.traceparent),
        attributes: { 'messaging.consumer.group.name': consumer, 'messaging.destination.name': item.message.topic, 'messaging.message.id': item.event.id, attempt },
      },
      async () => {
        if (definition.handleBatch) await definition.handleBatch([item], ctx);
        else await definition.handle(item.event, ctx);
      },
    );
  }

  /** Attempt 2..n of one event after attempt 1 failed; dead-letters when out of attempts or not retryable. */
  async function retryOrDeadLetter(decoded: Decoded, item: BatchItem, first: { error: unknown; durationMs: number }, hooks: ProcessHooks): Promise<'applied' | 'dead_lettered' | 'interrupted'> {
    const history: AttemptHistoryEntry[] = [];
    let last = classifyError(first.error);
    history.push(historyEntry(1, first.durationMs, last));
    for (let attempt = 2; last.retryable && attempt <= retry.maxAttempts; attempt++) {
      await recordAttempts(deps.db, [attemptRecord(item, attempt - 1, 'retry', history.at(-1)!.durationMs, last)]);
      const delay = backoffDelay(attempt - 1, retry, random);
      for (let waited = 0; waited < delay; waited += 1000) {
        if (hooks.isRunning && !hooks.isRunning()) return 'interrupted';
        await sleep(Math.min(1000, delay - waited));
        await hooks.onWait?.();
      }
      const t0 = performance.now();
      try {
        await deps.db.$transaction(async (tx) => {
          const fresh = await claimInbox(tx, consumer, [toInboxItem(item)]);
          if (fresh.has(item.event.id)) await handleOne(tx, item, attempt);
          await recordAttempts(tx, [attemptRecord(item, attempt, fresh.has(item.event.id) ? 'ok' : 'duplicate', performance.now() - t0)]);
        }, txOptions);
        return 'applied';
      } catch (error) {
        last = classifyError(error);
        history.push(historyEntry(attempt, performance.now() - t0, last));
      }
    }
    await deadLetter(decoded, last, history);
    return 'dead_lettered';
  }

  function historyEntry(attempt: number, durationMs: number, error: ClassifiedError): AttemptHistoryEntry {
    return { attempt, at: now().toISOString(), durationMs: Math.round(durationMs), errorClass: error.errorClass, errorCode: error.code, message: error.message.slice(0, 1000) };
  }

  async function deadLetter(decoded: Decoded, error: ClassifiedError, history: AttemptHistoryEntry[]): Promise<void> {
    const { message, result } = decoded;
    const event = result.ok ? result.envelope : null;
    const partial = result.ok ? null : result.partial;
    const failedAt = now();
    await deps.db.$transaction(async (tx) => {
      await storeDeadLetter(tx, {
        consumer,
        topic: message.topic,
        partition: message.partition,
        offset: message.offset,
        key: message.key,
        headers: message.headers,
        payload: message.value ?? Buffer.alloc(0),
        eventId: event?.id ?? partial?.id ?? null,
        eventType: event?.type ?? partial?.type ?? null,
        eventVersion: event?.version ?? partial?.version ?? null,
        subject: event?.subject ?? partial?.subject ?? null,
        traceId: event?.trace_id ?? partial?.traceId ?? null,
        errorClass: error.errorClass,
        errorCode: error.code,
        errorMessage: error.message,
        errorStack: error.stack,
        fingerprint: errorFingerprint({ consumer, errorClass: error.errorClass, message: error.message, stack: error.stack }),
        attempts: history,
        failedAt,
      });
      await recordAttempts(tx, [
        {
          consumer,
          eventId: event?.id ?? (partial?.id && /^[0-9a-f-]{36}$/i.test(partial.id) ? partial.id : null),
          traceId: event?.trace_id ?? partial?.traceId ?? null,
          topic: message.topic,
          partition: message.partition,
          offset: message.offset,
          attempt: history.length,
          outcome: 'dead_lettered',
          durationMs: history.at(-1)?.durationMs ?? 0,
          errorClass: error.errorClass,
          errorMessage: error.message,
        },
      ]);
    }, txOptions);
    deps.log?.(`${consumer}: dead-lettered ${message.topic}/${message.partition}@${message.offset} (${error.code}: ${error.message.slice(0, 120)})`);
  }

  function isOthersBusiness(type: string | undefined): boolean {
    return type !== undefined && deps.registry.has(type) && !handles.has(type);
  }

  /** Processes one partition's messages in order. Returns false if interrupted by a stop. */
  async function process(messages: readonly IncomingMessage[], hooks: ProcessHooks): Promise<boolean> {
    let i = 0;
    const decoded = messages.map(decode);
    while (i < decoded.length) {
      if (hooks.isRunning && !hooks.isRunning()) return false;
      const current = decoded[i]!;
      if (!current.result.ok && isOthersBusiness(current.result.partial.type)) {
        // A known type this consumer does not handle: its data or version is not this consumer's concern.
        hooks.onDone(current.message);
        i++;
        continue;
      }
      if (!current.result.ok) {
        const error = classifyError(current.result.error);
        await deadLetter(current, error, [historyEntry(1, 0, error)]);
        hooks.onDone(current.message);
        i++;
        continue;
      }
      if (!handles.has(current.result.envelope.type)) {
        hooks.onDone(current.message);
        i++;
        continue;
      }
      // A run of consecutive, decodable, handled messages.
      const run: Decoded[] = [];
      while (i + run.length < decoded.length && run.length < maxChunk) {
        const next = decoded[i + run.length]!;
        if (!next.result.ok || !handles.has(next.result.envelope.type)) break;
        run.push(next);
      }
      const items = run.map(toItem);
      const { done, failure } = await applyRun(items);
      for (let k = 0; k < done; k++) hooks.onDone(run[k]!.message);
      i += done;
      if (failure) {
        const outcome = await retryOrDeadLetter(run[done]!, items[done]!, failure, hooks);
        if (outcome === 'interrupted') return false;
        hooks.onDone(run[done]!.message);
        i++;
      }
      await hooks.onWait?.();
    }
    return true;
  }

  return { process };
}

function toItem(d: Decoded): BatchItem {
  if (!d.result.ok) throw new Error('toItem on an undecodable message');
  return { event: d.result.envelope, message: { topic: d.message.topic, partition: d.message.partition, offset: d.message.offset } };
}

function toInboxItem(item: BatchItem) {
  return { eventId: item.event.id, topic: item.message.topic, partition: item.message.partition, offset: item.message.offset };
}
