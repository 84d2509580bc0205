// What the message processor is given (ports + tuning) and what it is called
// with (one partition's messages, hooks back into the Kafka runtime).
import type { EventRegistry } from '../../domain/events/registry';
import { defaultRetryPolicy, type ConsumerDefinition, type RetryPolicy } from '../consumer-definition';
import type { AttemptLog, DeadLetterStore, InboxStore, OutboxPort, RawHeader, SpanPort, SqlTx, TransactionPort } from '../ports';

export interface IncomingMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: RawHeader[];
}

export interface ProcessorPorts<Tx extends SqlTx> {
  transactions: TransactionPort<Tx>;
  inbox: InboxStore<Tx>;
  attempts: AttemptLog<Tx>;
  deadLetters: DeadLetterStore<Tx>;
  outbox: OutboxPort<Tx>;
  /** Traces each handling; without it handling runs untraced. */
  span?: SpanPort;
}

export interface ProcessorOptions {
  registry: EventRegistry;
  now?: () => Date;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  maxMessageBytes?: number;
  /** Largest number of events applied in one transaction. */
  maxChunk?: number;
  transactionTimeoutMs?: number;
  log?: (line: string) => void;
}

export type ProcessorDeps<Tx extends SqlTx> = ProcessorPorts<Tx> & ProcessorOptions;

export interface ProcessHooks {
  onDone(message: IncomingMessage): void;
  /** Called while waiting between retries, so the caller can heartbeat. */
  onWait?(): Promise<void>;
  /** False once the consumer is stopping: retries stop early and the message is left for redelivery. */
  isRunning?(): boolean;
}

/** Everything the processor's parts share: the definition, the ports and resolved defaults. */
export interface ProcessorScope<Tx extends SqlTx> {
  definition: ConsumerDefinition<Tx>;
  consumer: string;
  handles: ReadonlySet<string>;
  ports: ProcessorPorts<Tx>;
  registry: EventRegistry;
  retry: RetryPolicy;
  maxChunk: number;
  maxMessageBytes: number | undefined;
  timeoutMs: number;
  now(): Date;
  random(): number;
  sleep(ms: number): Promise<void>;
  log(line: string): void;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function scopeOf<Tx extends SqlTx>(definition: ConsumerDefinition<Tx>, deps: ProcessorDeps<Tx>): ProcessorScope<Tx> {
  const { registry, now, random, sleep, maxMessageBytes, maxChunk, transactionTimeoutMs, log, ...ports } = deps;
  return {
    definition,
    consumer: definition.name,
    handles: new Set(definition.handles),
    ports,
    registry,
    retry: definition.retry ?? defaultRetryPolicy,
    maxChunk: maxChunk ?? 500,
    maxMessageBytes,
    timeoutMs: transactionTimeoutMs ?? 30_000,
    now: now ?? (() => new Date()),
    random: random ?? Math.random,
    sleep: sleep ?? defaultSleep,
    log: log ?? ((line) => console.warn(line)),
  };
}

/** Runs one read: outside a transaction when the port can, else in one. */
export function readOnce<Tx extends SqlTx, T>(scope: ProcessorScope<Tx>, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const { transactions } = scope.ports;
  return transactions.read ? transactions.read(fn) : transactions.run(fn, { timeoutMs: scope.timeoutMs });
}
