// payments: authorises (or declines) the payment of every placed order.
import type { FollowUpCommand } from '../orders/command-plan';
import { orderEventTypes, type OrderEnvelopeOf } from '../orders/events';
import { commandConsumer, type DemoConsumerDeps } from './run-step';

export const PAYMENTS_CONSUMER = 'payments';
/** Orders above this are declined, as a card limit would. */
export const PAYMENT_LIMIT_CENTS = 500_000;

export type PaymentDecision = { approved: true } | { approved: false; reason: string };

export function decidePayment(order: { customerId: string; amountCents: number }): PaymentDecision {
  if (order.customerId.startsWith('declined-')) return { approved: false, reason: 'card declined by issuer' };
  if (order.amountCents > PAYMENT_LIMIT_CENTS) return { approved: false, reason: `amount exceeds the ${PAYMENT_LIMIT_CENTS} cent limit` };
  return { approved: true };
}

export function paymentsConsumer(deps: DemoConsumerDeps) {
  return commandConsumer<OrderEnvelopeOf<'orders.OrderPlaced'>>(PAYMENTS_CONSUMER, [orderEventTypes.OrderPlaced], deps, (event) => {
    const order = event.data;
    const decision = decidePayment(order);
    const paymentId = deps.newId();
    const command: FollowUpCommand = decision.approved
      ? { kind: 'AuthorizePayment', orderId: order.orderId, paymentId, approved: true }
      : { kind: 'AuthorizePayment', orderId: order.orderId, paymentId, approved: false, reason: decision.reason };
    return { command, target: 'paid' }; // paid and payment_failed are the same stage: either way payment was decided
  });
}
