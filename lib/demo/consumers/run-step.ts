// Shared plumbing for the demo's consumers: each reads the demo topic, lets the
// fault knobs act before every event, and (for the command-issuing ones) runs
// an order command in the consumer's transaction (emitting through the context,
// so causation and trace are set), treating "already done" as done. A batch of
// events is decided together: the orders loaded and locked in one statement,
// decided in order in memory, written back and their follow-ups appended in one
// statement each.
import { BatchItemError, type BatchContext, type BatchItem, type ConsumerDefinition, type HandlerContext } from '../../backbone/consumer-definition';
import type { PrismaTx } from '../../adapters/prisma/processor-ports';
import { planOrderCommands, type FollowUpCommand } from '../orders/command-plan';
import { runOrderCommand, toNewEvent } from '../orders/commands';
import type { OrderCommand, OrderStatus } from '../orders/decider';
import type { OrderEnvelope } from '../orders/events';
import { loadOrdersForUpdate, saveOrders } from '../orders/order-store';
import type { FaultInjector } from './fault-injector';
import { isAlreadyDone } from './progress';

export interface DemoConsumerDeps {
  faults: FaultInjector;
  newId: () => string;
  now: () => Date;
  topic: string;
}

/** The command an event leads to, and the stage that, once reached, means it was already taken. */
export interface CommandStep {
  command: FollowUpCommand;
  target: OrderStatus;
}

/**
 * The fault knobs for a batch: each item's first attempt is put through them once. When a
 * batch fails at item k (rolled back, then re-run without k), the items before k are not
 * put through the dice again on that re-run: they passed, and only k failed.
 */
function batchAdmission(faults: FaultInjector, name: string) {
  const passed = new Set<string>();
  return {
    async admitAll(items: readonly BatchItem[]): Promise<void> {
      for (const [index, item] of items.entries()) {
        if (passed.delete(item.event.id)) continue;
        try {
          await faults.beforeHandle(name, item.event.id);
        } catch (error) {
          throw new BatchItemError(index, error);
        }
      }
    },
    /** Items[0..index) will be re-run after items[index] failed. */
    rerunBefore(items: readonly BatchItem[], index: number): void {
      if (passed.size > 10_000) passed.clear(); // re-runs follow at once; anything older was left by a crash
      for (const item of items.slice(0, index)) passed.add(item.event.id);
    },
  };
}

/**
 * A demo consumer of the events E on the demo topic; the fault knobs run before
 * `apply` sees each event. With `applyBatch` it takes runs of events at once, except
 * while the knobs slow it down (one event per transaction then, as the slowness is per event).
 */
export function demoConsumer<E extends OrderEnvelope>(
  name: string,
  handles: readonly E['type'][],
  deps: Pick<DemoConsumerDeps, 'faults' | 'topic'>,
  apply: (event: E, ctx: HandlerContext<PrismaTx>) => Promise<unknown>,
  applyBatch?: (items: readonly BatchItem<E>[], ctx: BatchContext<PrismaTx>) => Promise<void>,
): ConsumerDefinition<PrismaTx, E> {
  const admission = batchAdmission(deps.faults, name);
  const batched: Pick<ConsumerDefinition<PrismaTx, E>, 'handleBatch' | 'batchable'> = applyBatch
    ? {
        async handleBatch(items, ctx) {
          try {
            await admission.admitAll(items);
            await applyBatch(items, ctx);
          } catch (error) {
            if (error instanceof BatchItemError) admission.rerunBefore(items, error.index);
            throw error;
          }
        },
        batchable: () => !deps.faults.slows(name),
      }
    : {};
  return {
    name,
    topics: [deps.topic],
    handles,
    async handle(event, ctx) {
      await deps.faults.beforeHandle(name, event.id);
      await apply(event, ctx);
    },
    ...batched,
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

/**
 * A demo consumer whose every event leads to one order command (`stepFor`). One by
 * one it runs runStep; in a batch the first command that fails (other than
 * "already done") fails its item before anything is written.
 */
export function commandConsumer<E extends OrderEnvelope>(
  name: string,
  handles: readonly E['type'][],
  deps: DemoConsumerDeps,
  stepFor: (event: E) => CommandStep,
): ConsumerDefinition<PrismaTx, E> {
  return demoConsumer<E>(
    name,
    handles,
    deps,
    (event, ctx) => {
      const step = stepFor(event);
      return runStep(ctx, deps, step.command, step.target);
    },
    async (items, ctx) => {
      const steps = items.map((item) => stepFor(item.event));
      const stored = await loadOrdersForUpdate(ctx.tx, steps.map((s) => s.command.orderId));
      const plan = planOrderCommands(stored, steps.map((s) => s.command));
      plan.commands.forEach((planned, index) => {
        if (!planned.ok && !isAlreadyDone(planned.error, steps[index]!.target)) throw new BatchItemError(index, planned.error);
      });
      await saveOrders(ctx.tx, plan.writes, deps.now());
      plan.commands.forEach((planned, index) => {
        if (planned.ok) ctx.emitFor(items[index]!, planned.events.map((e) => toNewEvent(steps[index]!.command.orderId, e)));
      });
    },
  );
}
