// What a team writes to get an idempotent consumer: a name (also its Kafka
// consumer group), the topics and event types it handles, a retry policy and a
// handler. The message processor (lib/backbone/processor) owns decoding, dedup
// (inbox), transactions, retries with backoff, dead-lettering and attempt
// records; the Kafka runtime (lib/adapters/kafka) owns offsets.
// `Tx` is the adapter's transaction (Prisma's in this codebase), `E` the union
// of events handled: `handle` gets typed data, checked once when decoded.
import type { EventEnvelope, NewEvent } from '../domain/events/envelope';
import { topicNamespace } from '../config/topic-prefix-env';
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
  emit(events: readonly FollowUpEvent[]): Promise<EventEnvelope[]>;
  consumer: string;
  attempt: number;
  message: MessageCoordinates;
}

export interface BatchItem<E extends EventEnvelope = EventEnvelope> {
  event: E;
  message: MessageCoordinates;
}

/** Follow-up facts a handler emits: the processor sets their causation and correlation. */
export type FollowUpEvent = Omit<NewEvent, 'causationId' | 'correlationId'>;

/** What handleBatch works with: the transaction, and emitFor to state which event caused which follow-ups. */
export interface BatchContext<Tx extends SqlTx = SqlTx> {
  /** The transaction that also records the inbox rows: do every effect through it. */
  tx: Tx;
  consumer: string;
  /**
   * Follow-up facts caused by `item` (causation, correlation and trace are taken from
   * its event). Buffered: the processor appends every buffered fact to the outbox, in
   * one statement and in the same transaction, when handleBatch returns.
   */
  emitFor(item: BatchItem, events: readonly FollowUpEvent[]): void;
}

/**
 * Thrown by handleBatch to say that items[index] (of the items it was given) failed
 * with `cause`: the transaction is rolled back, the events before it are applied again
 * without it, and it goes on to the retry policy alone, as if handle() had thrown.
 * Throw it before writing anything for that item when you can: nothing is lost
 * either way, but the rollback wastes the work already done.
 */
export class BatchItemError extends Error {
  constructor(
    readonly index: number,
    override readonly cause: unknown,
  ) {
    super(`batch item ${index} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'BatchItemError';
  }
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
   * Optional: applies several events at once in one transaction (projections and the
   * demo's consumers use this to load and write their rows in bulk). Must have the
   * same effect as calling handle() for each event in order; throw BatchItemError to
   * name the item that failed.
   */
  handleBatch?(items: readonly BatchItem<E>[], ctx: BatchContext<Tx>): Promise<void>;
  /**
   * Optional: false sends the next run through handle(), one event at a time (e.g.
   * while a handler is deliberately slowed, so one transaction does not hold a whole
   * run's delays). Asked before each run; without it handleBatch is always used.
   */
  batchable?(): boolean;
}

export const CONSUMER_NAME = /^[a-z][a-z0-9-]{1,62}$/;

/** Consumer group id for a consumer name. */
export function groupIdOf(consumerName: string, prefix = 'signalbox'): string {
  return `${prefix}.${consumerName}`;
}

/** The replay topic of `consumerName` in the system whose topics start with `namespace` ('' or `<prefix>.`). */
export function replayTopicFor(namespace: string, consumerName: string): string {
  return `${namespace}signalbox.replay.${consumerName}.v1`;
}

const namespace = topicNamespace(process.env);

/**
 * Per-consumer replay topic: the DLQ replay job re-delivers messages here, to this consumer
 * only. `signalbox.replay.<consumer>.v1`, after KAFKA_TOPIC_PREFIX when set.
 */
export function replayTopicOf(consumerName: string): string {
  return replayTopicFor(namespace, consumerName);
}

const [replayHead, replayTail] = replayTopicOf('\u0000').split('\u0000') as [string, string];

/** Whether `topic` is a replay topic of this process's namespace (some consumer's `replayTopicOf`). */
export function isReplayTopic(topic: string): boolean {
  return topic.startsWith(replayHead) && topic.endsWith(replayTail) && topic.length > replayHead.length + replayTail.length;
}
