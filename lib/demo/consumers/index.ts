// The demo system's consumers (the services the console watches). The read-model
// projections are separate: lib/demo/projections.
import { v7 as uuidv7 } from 'uuid';
import type { ConsumerDefinition } from '../../backbone/consumer-definition';
import type { PrismaTx } from '../../adapters/prisma/processor-ports';
import { ORDERS_TOPIC } from '../orders/events';
import { noFaults, type FaultInjector } from './fault-injector';
import { notificationsConsumer } from './notifications';
import { orderSagaConsumer } from './order-saga';
import { paymentsConsumer } from './payments';
import { shippingConsumer } from './shipping';

export { createFaultInjector, noFaults, type FaultInjector } from './fault-injector';
export { NOTIFICATIONS_CONSUMER } from './notifications';
export { ORDER_SAGA_CONSUMER } from './order-saga';
export { PAYMENTS_CONSUMER, PAYMENT_LIMIT_CENTS, decidePayment } from './payments';
export { SHIPPING_CONSUMER } from './shipping';

export interface DemoConsumersDeps {
  faults?: FaultInjector;
  newId?: () => string;
  now?: () => Date;
  /** The topic to read (default orders.lifecycle.v1); tests use their own. */
  topic?: string;
}

export function demoConsumers(deps: DemoConsumersDeps = {}): ConsumerDefinition<PrismaTx>[] {
  const resolved = { faults: deps.faults ?? noFaults, newId: deps.newId ?? (() => uuidv7()), now: deps.now ?? (() => new Date()), topic: deps.topic ?? ORDERS_TOPIC };
  return [paymentsConsumer(resolved), shippingConsumer(resolved), notificationsConsumer(resolved), orderSagaConsumer(resolved)];
}
