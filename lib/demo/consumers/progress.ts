// How far an order has got, for consumers' idempotency: a step the order has
// already reached (or passed, or that a cancellation made moot) is done, not an error.
import { isAppError } from '../../errors';
import type { OrderStatus } from '../orders/decider';

const stage: Record<OrderStatus, number> = { placed: 0, paid: 1, payment_failed: 1, dispatched: 2, delivered: 3, cancelled: 4 };

/** True when an order in `status` is at `target`'s stage or later (cancelled is terminal: later than every step). */
export function hasReached(status: OrderStatus, target: OrderStatus): boolean {
  if (target === 'cancelled') return status === 'cancelled';
  return stage[status] >= stage[target];
}

/**
 * True when `error` is a business rejection because the order is already at
 * `target` or later: the consumer's step has been taken (or is moot) and the
 * event counts as handled. Anything else is a real failure.
 */
export function isAlreadyDone(error: unknown, target: OrderStatus): boolean {
  if (!isAppError(error) || error.code !== 'rejected') return false;
  const current = error.details?.currentStatus;
  return typeof current === 'string' && current in stage && hasReached(current as OrderStatus, target);
}
