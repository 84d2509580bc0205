// The backbone's message-processor ports, implemented over one Prisma client
// (transactions, inbox, attempt log, DLQ) plus the outbox writer and
// OpenTelemetry spans: what a composition root passes to run a consumer.
import type { ProcessorDeps, ProcessorOptions } from '../../backbone/processor';
import type { OutboxPort, SpanPort, TransactionPort } from '../../backbone/ports';
import { contextFromTraceparent, inSpan, SpanKind } from '../otel/tracing';
import type { Db, Prisma } from './client';
import { prismaDeadLetters } from './dlq-store';
import { prismaAttemptLog, prismaInbox } from './inbox-store';

export type PrismaTx = Prisma.TransactionClient;

export interface PrismaProcessorDeps extends ProcessorOptions {
  db: Db;
  outbox: OutboxPort<PrismaTx>;
}

export function prismaTransactions(db: Db): TransactionPort<PrismaTx> {
  return {
    run: (fn, options) => db.$transaction(fn, { timeout: options?.timeoutMs ?? 30_000, maxWait: 10_000 }),
    // The client answers the transaction client's queries itself, each in its own implicit transaction.
    read: (fn) => fn(db as unknown as PrismaTx),
  };
}

export const consumerSpan: SpanPort = (name, span, fn) =>
  inSpan(name, { kind: SpanKind.CONSUMER, parent: contextFromTraceparent(span.traceparent), attributes: span.attributes }, fn);

export function prismaProcessorDeps({ db, outbox, ...options }: PrismaProcessorDeps): ProcessorDeps<PrismaTx> {
  return {
    ...options,
    transactions: prismaTransactions(db),
    inbox: prismaInbox,
    attempts: prismaAttemptLog,
    deadLetters: prismaDeadLetters,
    outbox,
    span: consumerSpan,
  };
}
