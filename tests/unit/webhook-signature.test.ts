import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { retryDelaySeconds, signPayload, verifySignature } from '@/lib/domain/checks/webhook-signature';

const secret = 's'.repeat(40);
const body = JSON.stringify({ check: 'consumer.status:shipping', to: 'CRIT' });

describe('webhook signature', () => {
  it('is HMAC-SHA256 over "<t>.<body>" in t=…,v1=… form', () => {
    const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(signPayload(secret, body, 1_700_000_000)).toBe(`t=1700000000,v1=${expected}`);
  });

  it('verifies its own signature; refuses a changed body, another secret, a moved timestamp, an old one, garbage', () => {
    const h = signPayload(secret, body, 1_700_000_000);
    expect(verifySignature(secret, body, h, 1_700_000_010)).toBe(true);
    expect(verifySignature(secret, body.replace('CRIT', 'OK'), h, 1_700_000_010)).toBe(false);
    expect(verifySignature('x'.repeat(40), body, h, 1_700_000_010)).toBe(false);
    expect(verifySignature(secret, body, h.replace('t=1700000000', 't=1700000005'), 1_700_000_010)).toBe(false);
    expect(verifySignature(secret, body, h, 1_700_000_000 + 301)).toBe(false); // replay after the tolerance
    expect(verifySignature(secret, body, 'v1=abc', 1_700_000_000)).toBe(false);
    expect(verifySignature(secret, body, null, 1_700_000_000)).toBe(false);
  });

  it('backs off 5, 10, 20 s … up to 10 min', () => {
    expect([1, 2, 3, 4].map(retryDelaySeconds)).toEqual([5, 10, 20, 40]);
    expect(retryDelaySeconds(20)).toBe(600);
  });
});
