// What the swap action needs besides the database: the event registry (to decode
// the logged events it catches up with) and how long to wait for unpublished ones.
import type { EventRegistry } from '../domain/events/registry';
import { createOrderEventRegistry } from '../demo/orders/events';

let registry: EventRegistry | undefined;

export function demoEventRegistry(): EventRegistry {
  registry ??= createOrderEventRegistry() as unknown as EventRegistry;
  return registry;
}

/** Default wait for outbox rows the live version may have applied before they were marked published. */
export const SWAP_PUBLISH_WAIT_MS = 10_000;
