import { describe, expect, it } from 'vitest';
import { CARRIERS, buildOrderCommand, carrierFor, orderCommandInputSchema, requestHashOf } from '@/lib/demo/orders/command-schemas';

const orderId = '01a21b6e-a841-754e-9215-1a8ab6890278';
const parse = (input: unknown) => orderCommandInputSchema.parse(input);

describe('order command inputs', () => {
  it('apply defaults and normalise ids', () => {
    expect(parse({ kind: 'PlaceOrder', customerId: 'c-1', amountCents: 1, currency: 'EUR' })).toMatchObject({ channel: 'api' });
    expect(parse({ kind: 'AuthorizePayment', orderId: orderId.toUpperCase() })).toEqual({ kind: 'AuthorizePayment', orderId, approved: true });
  });

  it.each([
    ['unknown kind', { kind: 'RefundOrder', orderId }],
    ['no kind', { orderId }],
    ['amount as string', { kind: 'PlaceOrder', customerId: 'c-1', amountCents: '1999', currency: 'EUR' }],
    ['fractional cents', { kind: 'PlaceOrder', customerId: 'c-1', amountCents: 19.99, currency: 'EUR' }],
    ['amount too large', { kind: 'PlaceOrder', customerId: 'c-1', amountCents: 1e12, currency: 'EUR' }],
    ['lower-case currency', { kind: 'PlaceOrder', customerId: 'c-1', amountCents: 1, currency: 'eur' }],
    ['customer with spaces', { kind: 'PlaceOrder', customerId: 'c 1', amountCents: 1, currency: 'EUR' }],
    ['customer too long', { kind: 'PlaceOrder', customerId: 'c'.repeat(65), amountCents: 1, currency: 'EUR' }],
    ['customer with quotes', { kind: 'PlaceOrder', customerId: "c'--", amountCents: 1, currency: 'EUR' }],
    ['unknown field', { kind: 'DeliverShipment', orderId, force: true }],
    ['bad order id', { kind: 'DeliverShipment', orderId: "1' OR '1'='1" }],
    ['empty reason', { kind: 'CancelOrder', orderId, reason: '   ' }],
    ['huge reason', { kind: 'CancelOrder', orderId, reason: 'x'.repeat(501) }],
    ['unknown carrier', { kind: 'DispatchShipment', orderId, carrier: 'pigeon' }],
  ])('rejects %s', (_name, input) => {
    expect(orderCommandInputSchema.safeParse(input).success).toBe(false);
  });

  it('hash the same regardless of key order and defaults, differently for different requests', () => {
    const a = requestHashOf(parse({ kind: 'PlaceOrder', customerId: 'c-1', amountCents: 5, currency: 'EUR' }));
    const b = requestHashOf(parse({ currency: 'EUR', amountCents: 5, channel: 'api', customerId: 'c-1', kind: 'PlaceOrder' }));
    const c = requestHashOf(parse({ kind: 'PlaceOrder', customerId: 'c-1', amountCents: 6, currency: 'EUR' }));
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it('fill generated ids; the carrier is a pure function of the order id', () => {
    let n = 0;
    const newId = () => `id-${++n}`;
    expect(buildOrderCommand(parse({ kind: 'DispatchShipment', orderId }), newId)).toEqual({ kind: 'DispatchShipment', orderId, shipmentId: 'id-1', carrier: carrierFor(orderId) });
    expect(buildOrderCommand(parse({ kind: 'AuthorizePayment', orderId, approved: false }), newId)).toEqual({ kind: 'AuthorizePayment', orderId, paymentId: 'id-2', approved: false, reason: 'declined' });
    expect(carrierFor(orderId)).toBe(carrierFor(orderId.toUpperCase()));
    const spread = new Set(Array.from({ length: 200 }, (_, i) => carrierFor(`01a21b6e-a841-754e-9215-${String(i).padStart(12, '0')}`)));
    expect(spread).toEqual(new Set(CARRIERS));
  });
});
