// Pure: several order commands decided in order over the orders they touch (a
// consumer's batch). Each command sees the state the earlier ones left; a rejected
// command changes nothing. The result says, per command, what it produced or why it
// was rejected, and per order, the one write that covers all its commands.
import { AppError, isAppError } from '../../errors';
import { decide, evolve, type OrderCommand, type OrderState } from './decider';
import type { OrderEvent } from './events';
import type { StoredOrder } from './order-store';

/** Commands that change an existing order (PlaceOrder creates one and is not planned in batches). */
export type FollowUpCommand = Exclude<OrderCommand, { kind: 'PlaceOrder' }>;

export type PlannedCommand = { ok: true; events: OrderEvent[] } | { ok: false; error: unknown };

export interface OrderWrite {
  next: OrderState;
  expectedVersion: number;
  eventCount: number;
}

export interface CommandPlan {
  commands: PlannedCommand[];
  writes: OrderWrite[];
}

/**
 * decide() for one command, with a business rejection carrying the order's current
 * status (details.currentStatus, null when there is no order) so a consumer can tell
 * "already done" from a real failure.
 */
export function decideWithStatus(command: OrderCommand, state: OrderState | null): OrderEvent[] {
  try {
    return decide(command, state);
  } catch (error) {
    if (isAppError(error) && error.code === 'rejected') throw new AppError('rejected', error.message, { details: { currentStatus: state?.status ?? null } });
    throw error;
  }
}

/** Decides `commands` in order over `stored` (the orders as loaded, by id). */
export function planOrderCommands(stored: ReadonlyMap<string, StoredOrder>, commands: readonly FollowUpCommand[]): CommandPlan {
  const current = new Map<string, { state: OrderState; version: number; added: number }>();
  for (const [id, order] of stored) current.set(id, { state: order.state, version: order.version, added: 0 });
  const planned = commands.map((command): PlannedCommand => {
    const order = current.get(command.orderId);
    try {
      const events = decideWithStatus(command, order?.state ?? null);
      if (events.length === 0) return { ok: true, events };
      const next = events.reduce<OrderState | null>(evolve, order!.state);
      if (!next) throw new AppError('internal', 'Order events did not produce a state.');
      order!.state = next;
      order!.added += events.length;
      return { ok: true, events };
    } catch (error) {
      return { ok: false, error };
    }
  });
  const writes = [...current.values()].filter((o) => o.added > 0).map((o) => ({ next: o.state, expectedVersion: o.version, eventCount: o.added }));
  return { commands: planned, writes };
}
