// Publishes claimed outbox rows to Kafka: one idempotent producer, acks=all, one
// request per batch, one PRODUCER span per message (child of the row's trace) whose
// context travels in the `traceparent` header.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { Partitioners, type ICustomPartitioner, type Kafka, type Message, type Producer, type RetryOptions } from 'kafkajs';
import { AppError, errorMessageOf } from '../../errors';
import { formatTraceparent, parseTraceparent } from '../../domain/events/trace-context';
import { tracer } from '../otel/tracing';
import { assignPlacements, toRelayMessage, type Placement } from './relay-messages';
import type { ClaimedRow } from './relay-store';

export interface RelayPublisherOptions {
  kafka: Kafka;
  /** Bounds one publish (connect + send): a hung broker must not hold the batch's locks forever. */
  timeoutMs?: number;
  /** kafkajs retries inside one publish; the relay's own backoff takes over after that. */
  retry?: RetryOptions;
}

export interface RelayPublisher {
  /** Sends rows in order; returns where each landed (placements[i] for rows[i]). */
  publish(rows: readonly ClaimedRow[]): Promise<Placement[]>;
  /** Fails the publishes in flight now (they count as failed attempts); for a stop that cannot wait. */
  abort(reason: string): void;
  close(): Promise<void>;
}

/** The publish was given up on (too slow, or the relay is stopping) while it may still be running. */
class PublishTimeout extends AppError {
  constructor(message: string) {
    super('unavailable', message);
  }
}

const DEFAULT_RETRY: RetryOptions = { retries: 5, initialRetryTime: 100, maxRetryTime: 2_000 };

export function createRelayPublisher(options: RelayPublisherOptions): RelayPublisher {
  const timeoutMs = options.timeoutMs ?? 30_000;
  // kafkajs picks each message's partition inside send(); remember its choice, since
  // the produce response only gives a base offset per partition.
  const chosen = new WeakMap<Message, number>();
  const createPartitioner: ICustomPartitioner = () => {
    const partition = Partitioners.DefaultPartitioner();
    return (args) => {
      const p = partition(args);
      chosen.set(args.message, p);
      return p;
    };
  };

  let producer: Producer | undefined;
  let connected = false;
  const inFlight = new Set<(error: Error) => void>();

  async function connectedProducer(): Promise<Producer> {
    producer ??= options.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1, // kafkajs requires it for the idempotent producer
      allowAutoTopicCreation: false,
      createPartitioner,
      retry: options.retry ?? DEFAULT_RETRY,
    });
    if (!connected) {
      await producer.connect();
      connected = true;
    }
    return producer;
  }

  // After a failed send the broker may or may not have written it; a new producer
  // (new producer id, sequences from 0) keeps the next batch from being mistaken for a
  // duplicate of the lost one. Rows are re-sent: at-least-once.
  function discard(): Promise<void> {
    const old = producer;
    producer = undefined;
    connected = false;
    return old ? old.disconnect().catch(() => {}) : Promise.resolve();
  }

  async function send(rows: readonly ClaimedRow[], messages: Message[], attempt: { sent: boolean }): Promise<Placement[]> {
    const p = await connectedProducer();
    const byTopic = new Map<string, Message[]>();
    rows.forEach((row, i) => {
      const list = byTopic.get(row.topic) ?? [];
      if (list.length === 0) byTopic.set(row.topic, list);
      list.push(messages[i]!);
    });
    attempt.sent = true;
    const results = await p.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })) });
    const sent = rows.map((row, i) => {
      const partition = chosen.get(messages[i]!);
      if (partition === undefined) throw new Error(`kafkajs did not partition the message of event ${row.eventId}`);
      return { topic: row.topic, partition };
    });
    return assignPlacements(sent, results);
  }

  async function publish(rows: readonly ClaimedRow[]): Promise<Placement[]> {
    if (rows.length === 0) return [];
    const spans = rows.map(startPublishSpan);
    const messages: Message[] = rows.map((row, i) => toRelayMessage(row, traceparentOf(spans[i]!, row.traceparent)));
    const attempt = { sent: false };
    const sending = send(rows, messages, attempt);
    try {
      const placements = await withTimeout(sending, timeoutMs, inFlight);
      placements.forEach((p, i) =>
        spans[i]!.setAttributes({ 'messaging.destination.partition.id': String(p.partition), 'messaging.kafka.offset': Number(p.offset) }),
      );
      return placements;
    } catch (error) {
      sending.catch(() => {}); // after a timeout it settles later, unobserved
      for (const span of spans) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessageOf(error) });
      }
      // A connect that failed sent nothing: keep the producer and connect again next
      // time. Anything else (a send that failed, or anything still running) discards it.
      const connectFailed = !attempt.sent && !(error instanceof PublishTimeout);
      if (!connectFailed) await discard();
      throw error;
    } finally {
      for (const span of spans) span.end();
    }
  }

  return {
    publish,
    abort: (reason) => inFlight.forEach((fail) => fail(new PublishTimeout(reason))),
    close: discard,
  };
}

function startPublishSpan(row: ClaimedRow): Span {
  const parent = parseTraceparent(row.traceparent);
  const ctx = parent
    ? trace.setSpanContext(ROOT_CONTEXT, { traceId: parent.traceId, spanId: parent.spanId, traceFlags: parseInt(parent.flags, 16), isRemote: true })
    : ROOT_CONTEXT;
  return tracer().startSpan(
    `publish ${row.topic}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'send',
        'messaging.destination.name': row.topic,
        'messaging.message.id': row.eventId,
        'messaging.kafka.message.key': row.subject,
        'cloudevents.event_id': row.eventId,
        'cloudevents.event_type': row.type,
        'outbox.position': row.position,
      },
    },
    ctx,
  );
}

/** The publish span's context; the row's own when tracing is off (no-op spans carry the parent's). */
function traceparentOf(span: Span, fallback: string): string {
  const sc = span.spanContext();
  if (!trace.isSpanContextValid(sc)) return fallback;
  return formatTraceparent({ traceId: sc.traceId, spanId: sc.spanId, flags: sc.traceFlags.toString(16).padStart(2, '0') });
}

function withTimeout<T>(promise: Promise<T>, ms: number, inFlight: Set<(error: Error) => void>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let fail!: (error: Error) => void;
  const timeout = new Promise<never>((_, reject) => {
    fail = reject;
    timer = setTimeout(() => reject(new PublishTimeout(`Kafka did not acknowledge the batch within ${ms} ms`)), ms);
  });
  inFlight.add(fail);
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
    inFlight.delete(fail);
  });
}
