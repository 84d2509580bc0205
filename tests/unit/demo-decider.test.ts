import { describe, expect, it } from 'vitest';
import { AppError } from '@/lib/errors';
import { decide, evolve, type OrderCommand, type OrderState, type OrderStatus } from '@/lib/demo/orders/decider';

const orderId = '01a21b6e-a841-754e-9215-1a8ab6890278';
const shipmentId = '01a21b6e-eb50-760a-b09d-35a66dceb82a';
const stateIn = (status: OrderStatus): OrderState => ({ orderId, customerId: 'c-1', status, amountCents: 1999, currency: 'EUR', shipmentId: status === 'dispatched' || status === 'delivered' ? shipmentId : null });

const commands: Record<string, OrderCommand> = {
  PlaceOrder: { kind: 'PlaceOrder', orderId, customerId: 'c-1', amountCents: 1999, currency: 'EUR', channel: 'api' },
  AuthorizePayment: { kind: 'AuthorizePayment', orderId, paymentId: '01a21b6e-de48-77b9-b246-82c143bd3672', approved: true },
  DeclinePayment: { kind: 'AuthorizePayment', orderId, paymentId: '01a21b6e-de48-77b9-b246-82c143bd3672', approved: false, reason: 'no funds' },
  DispatchShipment: { kind: 'DispatchShipment', orderId, shipmentId, carrier: 'dhl' },
  DeliverShipment: { kind: 'DeliverShipment', orderId },
  CancelOrder: { kind: 'CancelOrder', orderId, reason: 'changed mind' },
};

type Outcome = string | 'rejected' | 'not_found' | 'no-op';
// Expected outcome of every command in every state: the event type it produces, or why not.
const table: Record<string, Record<'none' | OrderStatus, Outcome>> = {
  PlaceOrder: { none: 'orders.OrderPlaced', placed: 'rejected', paid: 'rejected', payment_failed: 'rejected', dispatched: 'rejected', delivered: 'rejected', cancelled: 'rejected' },
  AuthorizePayment: { none: 'not_found', placed: 'payments.PaymentAuthorized', paid: 'rejected', payment_failed: 'rejected', dispatched: 'rejected', delivered: 'rejected', cancelled: 'rejected' },
  DeclinePayment: { none: 'not_found', placed: 'payments.PaymentFailed', paid: 'rejected', payment_failed: 'rejected', dispatched: 'rejected', delivered: 'rejected', cancelled: 'rejected' },
  DispatchShipment: { none: 'not_found', placed: 'rejected', paid: 'shipping.ShipmentDispatched', payment_failed: 'rejected', dispatched: 'rejected', delivered: 'rejected', cancelled: 'rejected' },
  DeliverShipment: { none: 'not_found', placed: 'rejected', paid: 'rejected', payment_failed: 'rejected', dispatched: 'shipping.ShipmentDelivered', delivered: 'rejected', cancelled: 'rejected' },
  CancelOrder: { none: 'not_found', placed: 'orders.OrderCancelled', paid: 'orders.OrderCancelled', payment_failed: 'orders.OrderCancelled', dispatched: 'rejected', delivered: 'rejected', cancelled: 'no-op' },
};

function outcomeOf(command: OrderCommand, state: OrderState | null): Outcome {
  try {
    const events = decide(command, state);
    if (events.length === 0) return 'no-op';
    expect(events).toHaveLength(1);
    return events[0]!.type;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return (error as AppError).code;
  }
}

describe('order decider: every command in every state', () => {
  for (const [name, row] of Object.entries(table)) {
    for (const [status, expected] of Object.entries(row)) {
      it(`${name} when ${status} → ${expected}`, () => {
        const state = status === 'none' ? null : stateIn(status as OrderStatus);
        expect(outcomeOf(commands[name]!, state)).toBe(expected);
      });
    }
  }
});

describe('order decider: what the events say', () => {
  it('PaymentAuthorized carries the order\'s amount, not the command\'s', () => {
    const [event] = decide(commands.AuthorizePayment!, { ...stateIn('placed'), amountCents: 4242 });
    expect(event).toMatchObject({ type: 'payments.PaymentAuthorized', data: { amountCents: 4242, currency: 'EUR', customerId: 'c-1' } });
  });

  it('ShipmentDelivered names the dispatched shipment', () => {
    const [event] = decide(commands.DeliverShipment!, stateIn('dispatched'));
    expect(event!.data).toMatchObject({ shipmentId });
  });

  it('evolve follows the facts to the end state', () => {
    let state: OrderState | null = null;
    for (const name of ['PlaceOrder', 'AuthorizePayment', 'DispatchShipment', 'DeliverShipment']) {
      state = decide(commands[name]!, state).reduce(evolve, state);
    }
    expect(state).toEqual({ ...stateIn('delivered'), shipmentId });
  });
});
