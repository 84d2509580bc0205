// Shared plumbing for the demo's command-issuing consumers: check the event's
// data, run the order command in the consumer's transaction (emitting through
// ctx.emit, so causation and trace are set), and treat "already done" as done.
import type { z } from 'zod';
import type { HandlerContext } from '../../backbone/consumer-definition';
import type { PrismaTx } from '../../adapters/prisma/processor-ports';
import type { EventEnvelope } from '../../domain/events/envelope';
import { AppError } from '../../errors';
import { runOrderCommand } from '../orders/commands';
import type { OrderCommand, OrderStatus } from '../orders/decider';
import type { FaultInjector } from './fault-injector';
import { isAlreadyDone } from './progress';

export interface DemoConsumerDeps {
  faults: FaultInjector;
  newId: () => string;
  now: () => Date;
  topic: string;
}

/** The event's data checked against its schema (the runtime already decoded it; this also gives it a type). */
export function dataOf<S extends z.ZodType>(schema: S, event: EventEnvelope): z.infer<S> {
  const parsed = schema.safeParse(event.data);
  if (!parsed.success) throw new AppError('schema_invalid', `${event.type} ${event.id} data does not match its schema.`);
  return parsed.data;
}

/** Runs `command`; a rejection because the order already reached `target` (or later) is success. */
export async function runStep(ctx: HandlerContext<PrismaTx>, deps: DemoConsumerDeps, command: OrderCommand, target: OrderStatus): Promise<'applied' | 'already-done'> {
  try {
    await runOrderCommand({ tx: ctx.tx, emit: (events) => ctx.emit(events), now: deps.now() }, command);
    return 'applied';
  } catch (error) {
    if (isAlreadyDone(error, target)) return 'already-done';
    throw error;
  }
}
