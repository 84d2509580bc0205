import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, newNonce, servedOverHttps } from '@/lib/http/security-headers';

const directives = (csp: string) => new Map(csp.split(';').map((d) => { const [name, ...values] = d.trim().split(/\s+/); return [name!, values]; }));

describe('contentSecurityPolicy', () => {
  it('allows scripts only with the nonce (no unsafe-inline, no unsafe-eval) and forbids framing', () => {
    const csp = directives(contentSecurityPolicy('abc123==', { development: false, https: false }));
    expect(csp.get('script-src')).toEqual(["'self'", "'nonce-abc123=='", "'strict-dynamic'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'self'"]);
    expect(csp.has('upgrade-insecure-requests')).toBe(false);
  });

  it("adds 'unsafe-eval' in development only, and upgrade-insecure-requests over https", () => {
    expect(contentSecurityPolicy('n', { development: true, https: false })).toContain("'unsafe-eval'");
    expect(contentSecurityPolicy('n', { development: false, https: true })).toContain('upgrade-insecure-requests');
  });
});

describe('newNonce', () => {
  it('is 128 random bits in base64, new every time', () => {
    const nonces = new Set(Array.from({ length: 100 }, newNonce));
    expect(nonces.size).toBe(100);
    for (const n of nonces) expect(n).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  });
});

describe('servedOverHttps', () => {
  const h = (headers: Record<string, string> = {}) => new Headers(headers);
  it('is true for an https public URL or an https request', () => {
    expect(servedOverHttps({ consoleUrl: 'https://c.example', protocol: 'http:', headers: h(), trustProxyHeaders: false })).toBe(true);
    expect(servedOverHttps({ consoleUrl: 'http://c.example', protocol: 'https:', headers: h(), trustProxyHeaders: false })).toBe(true);
    expect(servedOverHttps({ consoleUrl: 'http://c.example', protocol: 'http:', headers: h(), trustProxyHeaders: false })).toBe(false);
  });
  it('believes X-Forwarded-Proto only from a trusted proxy', () => {
    const headers = h({ 'x-forwarded-proto': 'https' });
    expect(servedOverHttps({ consoleUrl: 'http://c', protocol: 'http:', headers, trustProxyHeaders: false })).toBe(false);
    expect(servedOverHttps({ consoleUrl: 'http://c', protocol: 'http:', headers, trustProxyHeaders: true })).toBe(true);
  });
});
