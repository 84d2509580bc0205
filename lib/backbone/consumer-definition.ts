// What a team writes to get an idempotent consumer: a name (also its Kafka
// consumer group), the topics and event types it handles, a retry policy and a
// handler. The message processor (lib/backbone/processor) owns decoding, dedup
// (inbox), transactions, retries with backoff, dead-lettering and attempt
// records; the Kafka runtime (lib/adapters/kafka) owns offsets.
// `Tx` is the adapter's transaction (Prisma's in this codebase), `E` the union
// of events handled: `handle` gets typed data, checked once when decoded.
import type { EventEnvelope, NewEvent } from '../domain/events/envelope';
import type { SqlTx } from './ports';

export interface RetryPolicy {
  /** Attempts in all, including the first, before a retryable failure is dead-lettered. */
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 5, baseMs: 100, maxMs: 5_000 };

export interface MessageCoordinates {
  topic: string;
  partition: number;
  offset: string;
}

export interface HandlerContext<Tx extends SqlTx = SqlTx> {
  /** The transaction that also records the inbox row: do every effect through it. */
  tx: Tx;
  /** Appends follow-up facts to the outbox in the same transaction, caused by the event being handled. */
  emit(events: readonly Omit<NewEvent, 'causationId' | 'correlationId'>[]): Promise<EventEnvelope[]>;
  consumer: string;
  attempt: number;
  message: MessageCoordinates;
}

export interface BatchItem<E extends EventEnvelope = EventEnvelope> {
  event: E;
  message: MessageCoordinates;
}

export interface ConsumerDefinition<Tx extends SqlTx = SqlTx, E extends EventEnvelope = EventEnvelope> {
  /** Kebab-case name, unique; the Kafka consumer group id is derived from it. */
  name: string;
  topics: readonly string[];
  /** Event types handled; others on the topics are acknowledged and skipped. */
  handles: readonly E['type'][];
  retry?: RetryPolicy;
  /**
   * Sequenced dead-lettering (docs/dlq.md): while an event of a subject is in this
   * consumer's DLQ, the subject's later events are parked behind it (stored, not
   * applied) and follow it, in order, when it is replayed or discarded.
   */
  sequenced?: boolean;
  /** Applies one event. Throw an AppError with a non-retryable code to dead-letter at once. */
  handle(event: E, ctx: HandlerContext<Tx>): Promise<void>;
  /**
   * Optional: applies several events at once in one transaction (projections use
   * this to load and write their rows in bulk). Must have the same effect as
   * calling handle() for each event in order.
   */
  handleBatch?(items: readonly BatchItem<E>[], ctx: Omit<HandlerContext<Tx>, 'attempt' | 'message'>): Promise<void>;
}

export const CONSUMER_NAME = /^[a-z][a-z0-9-]{1,62}$/;

/** Consumer group id for a consumer name. */
export function groupIdOf(consumerName: string, prefix = 'signalbox'): string {
  return `${prefix}.${consumerName}`;
}

/** Per-consumer replay topic: the DLQ replay job re-delivers messages here, to this consumer only. */
export function replayTopicOf(consumerName: string): string {
  return `signalbox.replay.${consumerName}.v1`;
}
