// payments: authorises (or declines) the payment of every placed order.
import type { ConsumerDefinition } from '../../backbone/consumer-definition';
import type { PrismaTx } from '../../adapters/prisma/processor-ports';
import { orderEventTypes, type OrderEnvelopeOf } from '../orders/events';
import { runStep, type DemoConsumerDeps } from './run-step';

export const PAYMENTS_CONSUMER = 'payments';
/** Orders above this are declined, as a card limit would. */
export const PAYMENT_LIMIT_CENTS = 500_000;

export type PaymentDecision = { approved: true } | { approved: false; reason: string };

export function decidePayment(order: { customerId: string; amountCents: number }): PaymentDecision {
  if (order.customerId.startsWith('declined-')) return { approved: false, reason: 'card declined by issuer' };
  if (order.amountCents > PAYMENT_LIMIT_CENTS) return { approved: false, reason: `amount exceeds the ${PAYMENT_LIMIT_CENTS} cent limit` };
  return { approved: true };
}

export function paymentsConsumer(deps: DemoConsumerDeps): ConsumerDefinition<PrismaTx, OrderEnvelopeOf<'orders.OrderPlaced'>> {
  return {
    name: PAYMENTS_CONSUMER,
    topics: [deps.topic],
    handles: [orderEventTypes.OrderPlaced],
    async handle(event, ctx) {
      await deps.faults.beforeHandle(PAYMENTS_CONSUMER, event.id);
      const order = event.data;
      const decision = decidePayment(order);
      await runStep(
        ctx,
        deps,
        decision.approved
          ? { kind: 'AuthorizePayment', orderId: order.orderId, paymentId: deps.newId(), approved: true }
          : { kind: 'AuthorizePayment', orderId: order.orderId, paymentId: deps.newId(), approved: false, reason: decision.reason },
        'paid', // paid and payment_failed are the same stage: either way payment was decided
      );
    },
  };
}
