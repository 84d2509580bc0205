// planOrderCommands: a consumer's batch of order commands decided in order, in memory.
import { describe, expect, it } from 'vitest';
import { planOrderCommands, type FollowUpCommand } from '@/lib/demo/orders/command-plan';
import type { StoredOrder } from '@/lib/demo/orders/order-store';
import { isAppError } from '@/lib/errors';

const order = (id: string, status: StoredOrder['state']['status'], version: number): [string, StoredOrder] => [
  id,
  { version, state: { orderId: id, customerId: `c-${id}`, status, amountCents: 1000, currency: 'EUR', shipmentId: status === 'dispatched' ? 'a0000000-0000-4000-8000-000000000001' : null } },
];

describe('planOrderCommands', () => {
  it('lets each command see the state the earlier ones left, and writes each order once with all its events', () => {
    const stored = new Map([order('o1', 'placed', 1)]);
    const commands: FollowUpCommand[] = [
      { kind: 'AuthorizePayment', orderId: 'o1', paymentId: 'p1', approved: true },
      { kind: 'DispatchShipment', orderId: 'o1', shipmentId: 's1', carrier: 'dhl' },
      { kind: 'DeliverShipment', orderId: 'o1' },
    ];
    const plan = planOrderCommands(stored, commands);
    expect(plan.commands.map((c) => (c.ok ? c.events.map((e) => e.type) : 'rejected'))).toEqual([
      ['payments.PaymentAuthorized'],
      ['shipping.ShipmentDispatched'],
      ['shipping.ShipmentDelivered'],
    ]);
    expect(plan.writes).toEqual([{ next: expect.objectContaining({ orderId: 'o1', status: 'delivered', shipmentId: 's1' }), expectedVersion: 1, eventCount: 3 }]);
  });

  it('a rejected command changes nothing and carries the current status; a missing order is not_found', () => {
    const stored = new Map([order('o1', 'dispatched', 3), order('o2', 'placed', 1)]);
    const plan = planOrderCommands(stored, [
      { kind: 'DispatchShipment', orderId: 'o1', shipmentId: 's9', carrier: 'dhl' },
      { kind: 'AuthorizePayment', orderId: 'missing', paymentId: 'p', approved: true },
      { kind: 'CancelOrder', orderId: 'o2', reason: 'payment failed' },
      { kind: 'CancelOrder', orderId: 'o2', reason: 'again' },
    ]);
    const [dispatch, missing, cancel, again] = plan.commands;
    expect(dispatch!.ok === false && isAppError(dispatch!.error) && [dispatch!.error.code, dispatch!.error.details?.currentStatus]).toEqual(['rejected', 'dispatched']);
    expect(missing!.ok === false && isAppError(missing!.error) && missing!.error.code).toBe('not_found');
    expect(cancel!.ok && cancel!.events.map((e) => e.type)).toEqual(['orders.OrderCancelled']);
    expect(again).toEqual({ ok: true, events: [] }); // already cancelled: nothing new
    expect(plan.writes).toEqual([{ next: expect.objectContaining({ orderId: 'o2', status: 'cancelled' }), expectedVersion: 1, eventCount: 1 }]);
  });
});
