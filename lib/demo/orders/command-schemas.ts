// What callers (HTTP, CLI, traffic generator) may ask the order aggregate to do.
// Inputs carry no generated ids: ids are filled in by buildOrderCommand, so a
// retried request with the same Idempotency-Key hashes the same.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { OrderCommand } from './decider';

export const CUSTOMER_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
export const CARRIERS = ['dhl', 'ups', 'fedex', 'postnl'] as const;

const orderId = z
  .string()
  .uuid('must be a UUID')
  .transform((v) => v.toLowerCase());
const customerId = z.string().regex(CUSTOMER_ID, 'must be 1-64 letters, digits, ".", "_", ":" or "-", starting with a letter or digit');
const amountCents = z.number().int('must be whole cents').min(1, 'must be at least 1').max(100_000_000, 'must be at most 100000000');
const currency = z.string().regex(/^[A-Z]{3}$/, 'must be a 3-letter ISO 4217 code such as EUR');
const reason = z.string().trim().min(1, 'must not be empty').max(500, 'must be at most 500 characters');

export const placeOrderSchema = z.strictObject({
  kind: z.literal('PlaceOrder'),
  /** Optional client-chosen id; generated when absent. */
  orderId: orderId.optional(),
  customerId,
  amountCents,
  currency,
  channel: z.enum(['web', 'api', 'cli', 'generator']).default('api'),
});

export const authorizePaymentSchema = z.strictObject({
  kind: z.literal('AuthorizePayment'),
  orderId,
  approved: z.boolean().default(true),
  reason: reason.optional(),
});

export const dispatchShipmentSchema = z.strictObject({
  kind: z.literal('DispatchShipment'),
  orderId,
  carrier: z.enum(CARRIERS).optional(),
});

export const deliverShipmentSchema = z.strictObject({ kind: z.literal('DeliverShipment'), orderId });

export const cancelOrderSchema = z.strictObject({ kind: z.literal('CancelOrder'), orderId, reason });

export const orderCommandInputSchema = z.discriminatedUnion('kind', [
  placeOrderSchema,
  authorizePaymentSchema,
  dispatchShipmentSchema,
  deliverShipmentSchema,
  cancelOrderSchema,
]);

/** What a caller sends (before defaults). */
export type OrderCommandInput = z.input<typeof orderCommandInputSchema>;
/** A validated input (defaults applied, ids normalised). */
export type ParsedOrderCommand = z.output<typeof orderCommandInputSchema>;
export type OrderCommandKind = ParsedOrderCommand['kind'];

/** The carrier for an order, the same every time for the same order. */
export function carrierFor(orderIdValue: string): (typeof CARRIERS)[number] {
  let sum = 0;
  for (const ch of orderIdValue.toLowerCase()) sum = (sum * 31 + ch.charCodeAt(0)) >>> 0;
  return CARRIERS[sum % CARRIERS.length]!;
}

/** Fills in generated ids: the decider's command. */
export function buildOrderCommand(input: ParsedOrderCommand, newId: () => string): OrderCommand {
  switch (input.kind) {
    case 'PlaceOrder':
      return { kind: 'PlaceOrder', orderId: input.orderId ?? newId(), customerId: input.customerId, amountCents: input.amountCents, currency: input.currency, channel: input.channel };
    case 'AuthorizePayment':
      return input.approved
        ? { kind: 'AuthorizePayment', orderId: input.orderId, paymentId: newId(), approved: true }
        : { kind: 'AuthorizePayment', orderId: input.orderId, paymentId: newId(), approved: false, reason: input.reason ?? 'declined' };
    case 'DispatchShipment':
      return { kind: 'DispatchShipment', orderId: input.orderId, shipmentId: newId(), carrier: input.carrier ?? carrierFor(input.orderId) };
    case 'DeliverShipment':
      return { kind: 'DeliverShipment', orderId: input.orderId };
    case 'CancelOrder':
      return { kind: 'CancelOrder', orderId: input.orderId, reason: input.reason };
  }
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Hash of a validated input, independent of key order: what an Idempotency-Key is bound to. */
export function requestHashOf(input: ParsedOrderCommand): string {
  return createHash('sha256').update(canonicalJson(input)).digest('hex');
}
