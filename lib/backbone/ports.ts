// The ports the backbone needs from outside. lib/backbone defines them and never
// imports an implementation; lib/adapters implements them (PostgreSQL through
// Prisma today) and composition roots wire them in. `Tx` is whatever a
// transaction is to the adapter; the backbone only needs it to speak SQL.
import type { EventEnvelope, NewEvent } from '../domain/events/envelope';
import type { SubjectHead } from '../domain/dlq/sequencing';

/** The minimal SQL surface the backbone uses inside a transaction ($1..$n parameters). */
export interface SqlTx {
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
}

export interface TransactionPort<Tx extends SqlTx> {
  /** Runs fn in one transaction: commit when it resolves, roll back when it throws. */
  run<T>(fn: (tx: Tx) => Promise<T>, options?: { timeoutMs?: number }): Promise<T>;
  /** Optional: runs a single read outside a transaction (no BEGIN/COMMIT); without it, run() is used. */
  read?<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
}

export interface InboxItem {
  eventId: string;
  topic: string;
  partition: number;
  offset: string;
}

export interface InboxStore<Tx extends SqlTx> {
  /** Records the events as processed by `consumer`; returns the ids that were new (not processed before). */
  claim(tx: Tx, consumer: string, items: readonly InboxItem[]): Promise<Set<string>>;
}

export type AttemptOutcome = 'ok' | 'duplicate' | 'retry' | 'dead_lettered';

export interface AttemptRecord {
  consumer: string;
  eventId: string | null;
  topic: string;
  partition: number;
  offset: string;
  traceId: string | null;
  attempt: number;
  outcome: AttemptOutcome;
  durationMs: number;
  errorClass: string | null;
  errorMessage: string | null;
}

export interface AttemptLog<Tx extends SqlTx> {
  record(tx: Tx, records: readonly AttemptRecord[]): Promise<void>;
}

export interface RawHeader {
  key: string;
  /** base64 of the header's bytes, exactly as received. */
  valueBase64: string;
}

export interface AttemptHistoryEntry {
  attempt: number;
  at: string;
  durationMs: number;
  errorClass: string;
  errorCode: string;
  message: string;
}

/** A message that will not be applied, with everything needed to inspect and replay it. */
export interface DeadLetter {
  consumer: string;
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  headers: RawHeader[];
  payload: Buffer;
  eventId: string | null;
  eventType: string | null;
  eventVersion: number | null;
  subject: string | null;
  traceId: string | null;
  errorClass: string;
  errorCode: string;
  errorMessage: string;
  errorStack: string | null;
  fingerprint: string;
  attempts: AttemptHistoryEntry[];
  failedAt: Date;
  /** A replay that failed again: the DLQ row it replays (its history grows instead of a new row). */
  replayOf?: string | null;
}

export interface DeadLetterStore<Tx extends SqlTx> {
  /** One row per (consumer, topic, partition, offset): storing again updates it. Returns its id. */
  store(tx: Tx, letter: DeadLetter): Promise<string>;
  /**
   * Which of these events this consumer has dead-lettered already (a row in any status). A
   * copy delivered again (offsets not yet committed when a consumer restarted, or re-sent by
   * the relay) must not be applied behind its dead letter; only a replay applies it.
   */
  deadLettered?(tx: Tx, consumer: string, eventIds: readonly string[]): Promise<ReadonlySet<string>>;
  /** Replayed dead letters were applied (or found applied): mark their rows resolved in the same transaction. */
  resolve?(tx: Tx, dlqIds: readonly string[], consumer: string): Promise<void>;
  /** Sequenced dead-lettering: this consumer's rows of these subjects that hold later events back (open, replaying or parked). */
  heads?(tx: Tx, consumer: string, subjects: readonly string[]): Promise<SubjectHead[]>;
  /**
   * Stores `letter` parked behind row `behind` (a replayed row, `letter.replayOf`, is parked
   * again). 'unblocked' when `behind` no longer holds its subject back: nothing is written.
   */
  park?(tx: Tx, letter: DeadLetter, behind: string): Promise<'parked' | 'unblocked'>;
}

/** Per (projection, topic, partition): the highest offset applied and how many events. */
export interface Checkpoint {
  topic: string;
  partition: number;
  offset: bigint;
  lastEventId: string;
  count: number;
}

export interface CheckpointStore<Tx extends SqlTx> {
  /** Advances the checkpoints in the read model's transaction (never backwards). */
  save(tx: Tx, projection: string, checkpoints: readonly Checkpoint[]): Promise<void>;
}

export interface OutboxPort<Tx extends SqlTx> {
  /** Appends facts to the outbox in the caller's transaction. */
  append(tx: Tx, events: readonly NewEvent[], options?: { traceparent?: string }): Promise<EventEnvelope[]>;
  /** Optional: several appends (each with its own trace) in one statement; without it they are appended one by one. */
  appendGroups?(tx: Tx, groups: readonly OutboxGroup[]): Promise<EventEnvelope[]>;
}

/** Facts to append that continue one trace. */
export interface OutboxGroup {
  events: readonly NewEvent[];
  traceparent?: string;
}

export interface EventLogPage {
  after: bigint;
  limit: number;
  types?: readonly string[];
  topics?: readonly string[];
  untilPosition?: bigint;
}

/** The event log (the outbox) in position order, read page by page. */
export interface EventLogReader {
  page(query: EventLogPage): Promise<Array<{ position: bigint; envelope: unknown }>>;
}

/** Runs handling inside a trace span whose parent is the event's traceparent. */
export type SpanPort = <T>(name: string, span: { traceparent?: string; attributes: Record<string, string | number> }, fn: () => Promise<T>) => Promise<T>;
