// Executes order commands: load the order locked, decide, evolve, write the row
// (version-checked) and append the events to the outbox — all in one transaction.
// runOrderCommand is the core and runs in a transaction it is given (a consumer's
// ctx.tx with ctx.emit); executeOrderCommand owns its transaction and adds
// input validation and Idempotency-Key handling for HTTP, CLI and the generator.
import type { Db, Prisma } from '../../adapters/prisma/client';
import type { OutboxWriter } from '../../adapters/outbox/outbox-writer';
import type { EventEnvelope, NewEvent } from '../../domain/events/envelope';
import { AppError } from '../../errors';
import { inputIssues } from '../../domain/input-issues';
import { decide, evolve, type OrderCommand, type OrderState, type OrderStatus } from './decider';
import { decideWithStatus } from './command-plan';
import { latestVersion, type OrderEvent } from './events';
import { insertNewOrders, loadOrderForUpdate, saveOrder } from './order-store';
import { buildOrderCommand, orderCommandInputSchema, requestHashOf, type OrderCommandInput } from './command-schemas';
import { claimIdempotencyKey, completeIdempotencyKey, IDEMPOTENCY_KEY } from './idempotency';

export interface CommandScope {
  tx: Prisma.TransactionClient;
  /** Appends the events to the outbox in `tx`. */
  emit(events: readonly NewEvent[]): Promise<EventEnvelope[]>;
  now: Date;
}

export interface OrderCommandResult {
  orderId: string;
  status: OrderStatus;
  events: Array<{ id: string; type: string }>;
}

export interface ExecuteResult extends OrderCommandResult {
  /** True when an earlier result was returned for the same Idempotency-Key and nothing happened. */
  replayed: boolean;
}

export interface CommandDeps {
  db: Db;
  outbox: OutboxWriter;
  now: () => Date;
  newId: () => string;
}

export interface ExecuteOptions {
  idempotencyKey?: string;
  /** W3C traceparent to continue (e.g. the HTTP request's). */
  traceparent?: string;
  transactionTimeoutMs?: number;
}

export function toNewEvent(orderId: string, event: OrderEvent): NewEvent {
  return { type: event.type, version: latestVersion[event.type], subject: orderId, data: event.data };
}

/**
 * The command core, inside the caller's transaction. Business rejections throw
 * AppError('rejected') with details.currentStatus (null when the order exists
 * but the command cannot apply to "no order"); a missing order throws not_found.
 */
export async function runOrderCommand(scope: CommandScope, command: OrderCommand): Promise<OrderCommandResult> {
  const stored = await loadOrderForUpdate(scope.tx, command.orderId);
  const events = decideWithStatus(command, stored?.state ?? null);
  if (events.length === 0) {
    return { orderId: command.orderId, status: stored!.state.status, events: [] };
  }
  const next = events.reduce<OrderState | null>(evolve, stored?.state ?? null);
  if (!next) throw new AppError('internal', 'Order events did not produce a state.');
  await saveOrder(scope.tx, next, stored?.version ?? null, events.length, scope.now);
  const envelopes = await scope.emit(events.map((e) => toNewEvent(command.orderId, e)));
  return { orderId: next.orderId, status: next.status, events: envelopes.map((e) => ({ id: e.id, type: e.type })) };
}

/** Validates `input`, then runs it in its own transaction, honouring an Idempotency-Key. */
export async function executeOrderCommand(deps: CommandDeps, input: OrderCommandInput, options: ExecuteOptions = {}): Promise<ExecuteResult> {
  const parsed = orderCommandInputSchema.safeParse(input);
  if (!parsed.success) throw new AppError('bad_request', 'Invalid command.', { details: { issues: inputIssues(parsed.error) } });
  const request = parsed.data;
  const key = options.idempotencyKey;
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
    throw new AppError('bad_request', 'Idempotency-Key must be 1-200 printable ASCII characters.');
  }
  return deps.db.$transaction(
    async (tx) => {
      if (key !== undefined) {
        const claim = await claimIdempotencyKey<OrderCommandResult>(tx, request.kind, key, requestHashOf(request));
        if (!claim.claimed) return { ...claim.response, replayed: true };
      }
      const scope: CommandScope = { tx, now: deps.now(), emit: (events) => deps.outbox.append(tx, events, { traceparent: options.traceparent }) };
      const result = await runOrderCommand(scope, buildOrderCommand(request, deps.newId));
      if (key !== undefined) await completeIdempotencyKey(tx, request.kind, key, result as unknown as Prisma.InputJsonValue);
      return { ...result, replayed: false };
    },
    { timeout: options.transactionTimeoutMs ?? 15_000, maxWait: 5_000 },
  );
}

/**
 * Places several new orders in one transaction (the traffic generator's batches): each
 * validated as executeOrderCommand does, each its own OrderPlaced in its own trace; all
 * or none are written. Only PlaceOrder; no Idempotency-Key.
 */
export async function executePlaceOrders(deps: CommandDeps, inputs: readonly OrderCommandInput[], options: Pick<ExecuteOptions, 'transactionTimeoutMs'> = {}): Promise<ExecuteResult[]> {
  const commands = inputs.map((input) => {
    const parsed = orderCommandInputSchema.safeParse(input);
    if (!parsed.success) throw new AppError('bad_request', 'Invalid command.', { details: { issues: inputIssues(parsed.error) } });
    if (parsed.data.kind !== 'PlaceOrder') throw new AppError('bad_request', `executePlaceOrders places orders only, not ${parsed.data.kind}.`);
    return buildOrderCommand(parsed.data, deps.newId);
  });
  const planned = commands.map((command) => {
    const events = decide(command, null);
    const state = events.reduce<OrderState | null>(evolve, null);
    if (!state) throw new AppError('internal', 'Order events did not produce a state.');
    return { command, events, state };
  });
  return deps.db.$transaction(
    async (tx) => {
      await insertNewOrders(tx, planned.map((p) => p.state), deps.now());
      const envelopes = await deps.outbox.appendGroups(tx, planned.map((p) => ({ events: p.events.map((e) => toNewEvent(p.command.orderId, e)) })));
      let next = 0;
      return planned.map((p) => {
        const own = envelopes.slice(next, (next += p.events.length));
        return { orderId: p.state.orderId, status: p.state.status, events: own.map((e) => ({ id: e.id, type: e.type })), replayed: false };
      });
    },
    { timeout: options.transactionTimeoutMs ?? 15_000, maxWait: 5_000 },
  );
}
