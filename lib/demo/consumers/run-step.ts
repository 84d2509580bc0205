// Shared plumbing for the demo's consumers: each reads the demo topic, lets the
// fault knobs act before every event, and (for the command-issuing ones) runs
// an order command in the consumer's transaction (emitting through ctx.emit, so
// causation and trace are set), treating "already done" as done.
import type { ConsumerDefinition, HandlerContext } from '../../backbone/consumer-definition';
import type { PrismaTx } from '../../adapters/prisma/processor-ports';
import { runOrderCommand } from '../orders/commands';
import type { OrderCommand, OrderStatus } from '../orders/decider';
import type { OrderEnvelope } from '../orders/events';
import type { FaultInjector } from './fault-injector';
import { isAlreadyDone } from './progress';

export interface DemoConsumerDeps {
  faults: FaultInjector;
  newId: () => string;
  now: () => Date;
  topic: string;
}

/** A demo consumer of the events E on the demo topic; the fault knobs run before `apply` sees each event. */
export function demoConsumer<E extends OrderEnvelope>(
  name: string,
  handles: readonly E['type'][],
  deps: Pick<DemoConsumerDeps, 'faults' | 'topic'>,
  apply: (event: E, ctx: HandlerContext<PrismaTx>) => Promise<unknown>,
): ConsumerDefinition<PrismaTx, E> {
  return {
    name,
    topics: [deps.topic],
    handles,
    async handle(event, ctx) {
      await deps.faults.beforeHandle(name, event.id);
      await apply(event, ctx);
    },
  };
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
