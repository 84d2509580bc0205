// Shared plumbing for the demo's command-issuing consumers: run the order command in the consumer's transaction (emitting through
// ctx.emit, so causation and trace are set), and treat "already done" as done.
import type { HandlerContext } from '../../backbone/consumer-definition';
import type { PrismaTx } from '../../adapters/prisma/processor-ports';
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
