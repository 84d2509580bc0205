// The order aggregate as a pure decider: decide(command, state) → events,
// evolve(state, event) → state. Ids and time arrive on the command.
import { AppError } from '../../errors';
import type { OrderEvent } from './events';

export type OrderStatus = 'placed' | 'paid' | 'payment_failed' | 'dispatched' | 'delivered' | 'cancelled';

export interface OrderState {
  orderId: string;
  customerId: string;
  status: OrderStatus;
  amountCents: number;
  currency: string;
  shipmentId: string | null;
}

export type OrderCommand =
  | { kind: 'PlaceOrder'; orderId: string; customerId: string; amountCents: number; currency: string; channel: 'web' | 'api' | 'cli' | 'generator' }
  | { kind: 'AuthorizePayment'; orderId: string; paymentId: string; approved: boolean; reason?: string }
  | { kind: 'DispatchShipment'; orderId: string; shipmentId: string; carrier: string }
  | { kind: 'DeliverShipment'; orderId: string }
  | { kind: 'CancelOrder'; orderId: string; reason: string };

function reject(message: string): never {
  throw new AppError('rejected', message);
}

function requireStatus(state: OrderState | null, allowed: OrderStatus[], what: string): OrderState {
  if (!state) throw new AppError('not_found', 'Order not found.');
  if (!allowed.includes(state.status)) reject(`Cannot ${what}: order is ${state.status}.`);
  return state;
}

export function decide(command: OrderCommand, state: OrderState | null): OrderEvent[] {
  switch (command.kind) {
    case 'PlaceOrder': {
      if (state) reject('Order already exists.');
      const { orderId, customerId, amountCents, currency, channel } = command;
      return [{ type: 'orders.OrderPlaced', data: { orderId, customerId, amountCents, currency, channel } }];
    }
    case 'AuthorizePayment': {
      const s = requireStatus(state, ['placed'], 'authorize payment');
      return command.approved
        ? [{ type: 'payments.PaymentAuthorized', data: { orderId: s.orderId, customerId: s.customerId, amountCents: s.amountCents, currency: s.currency, paymentId: command.paymentId } }]
        : [{ type: 'payments.PaymentFailed', data: { orderId: s.orderId, customerId: s.customerId, reason: command.reason ?? 'declined' } }];
    }
    case 'DispatchShipment': {
      const s = requireStatus(state, ['paid'], 'dispatch');
      return [{ type: 'shipping.ShipmentDispatched', data: { orderId: s.orderId, customerId: s.customerId, shipmentId: command.shipmentId, carrier: command.carrier } }];
    }
    case 'DeliverShipment': {
      const s = requireStatus(state, ['dispatched'], 'deliver');
      return [{ type: 'shipping.ShipmentDelivered', data: { orderId: s.orderId, customerId: s.customerId, shipmentId: s.shipmentId ?? '' } }];
    }
    case 'CancelOrder': {
      if (state?.status === 'cancelled') return []; // already cancelled: nothing new happened
      const s = requireStatus(state, ['placed', 'paid', 'payment_failed'], 'cancel');
      return [{ type: 'orders.OrderCancelled', data: { orderId: s.orderId, customerId: s.customerId, reason: command.reason } }];
    }
  }
}

export function evolve(state: OrderState | null, event: OrderEvent): OrderState | null {
  switch (event.type) {
    case 'orders.OrderPlaced':
      return { orderId: event.data.orderId, customerId: event.data.customerId, status: 'placed', amountCents: event.data.amountCents, currency: event.data.currency, shipmentId: null };
    case 'payments.PaymentAuthorized':
      return state && { ...state, status: 'paid' };
    case 'payments.PaymentFailed':
      return state && { ...state, status: 'payment_failed' };
    case 'shipping.ShipmentDispatched':
      return state && { ...state, status: 'dispatched', shipmentId: event.data.shipmentId };
    case 'shipping.ShipmentDelivered':
      return state && { ...state, status: 'delivered' };
    case 'orders.OrderCancelled':
      return state && { ...state, status: 'cancelled' };
  }
}
