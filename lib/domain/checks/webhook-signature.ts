// Notification signatures: HMAC-SHA256 over "<unix seconds>.<body>" with the server's
// secret, sent as `Signalbox-Signature: t=<unix seconds>,v1=<hex>`. The timestamp is
// inside the MAC, so a receiver that refuses old timestamps refuses replays; the body
// cannot be changed without the secret. (Same scheme as Stripe's webhook signatures.)
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'signalbox-signature';

export function signPayload(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`, 'utf8').digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/**
 * What a receiver does: parse the header, refuse a timestamp further than `toleranceSeconds`
 * from its clock, recompute the MAC and compare in constant time.
 */
export function verifySignature(secret: string, body: string, header: string | null, nowUnixSeconds: number, toleranceSeconds = 300): boolean {
  if (!header) return false;
  const parts = new Map(header.split(',').map((p) => p.trim().split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1') ?? '';
  if (!Number.isInteger(t) || !/^[0-9a-f]{64}$/.test(v1)) return false;
  if (Math.abs(nowUnixSeconds - t) > toleranceSeconds) return false;
  const expected = signPayload(secret, body, t).split('v1=')[1]!;
  return timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(v1, 'hex'));
}

/** Seconds to wait before attempt `n` (1-based) of a failed delivery: 5 s, 10 s, 20 s … capped at 10 min. */
export function retryDelaySeconds(attempt: number): number {
  return Math.min(600, 5 * 2 ** Math.max(0, attempt - 1));
}
