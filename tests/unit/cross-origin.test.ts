import { describe, expect, it } from 'vitest';
import { crossOriginRefusal } from '@/lib/http/cross-origin';

const consoleOrigin = 'https://console.example.com';
const check = (method: string, headers: Record<string, string>, trustProxyHeaders = false) =>
  crossOriginRefusal({ method, headers: new Headers(headers), consoleOrigin, trustProxyHeaders });

describe('crossOriginRefusal', () => {
  it('lets safe methods through whatever their origin', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'get']) {
      expect(check(method, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' })).toBeNull();
    }
  });

  it.each(['POST', 'PATCH', 'PUT', 'DELETE'])('refuses %s from another origin', (method) => {
    expect(check(method, { origin: 'https://evil.example', host: 'console.example.com' })).toMatch(/evil\.example/);
  });

  it("accepts the console's own origin (NEXTAUTH_URL) and the request's own host", () => {
    expect(check('POST', { origin: consoleOrigin, host: 'internal:3000' })).toBeNull();
    expect(check('POST', { origin: 'http://127.0.0.1:3210', host: '127.0.0.1:3210' })).toBeNull();
  });

  it('refuses a same-host origin on another port, a lookalike host and the opaque origin "null"', () => {
    expect(check('POST', { origin: 'http://127.0.0.1:3211', host: '127.0.0.1:3210' })).not.toBeNull();
    expect(check('POST', { origin: 'https://console.example.com.evil.example', host: 'x' })).not.toBeNull();
    expect(check('POST', { origin: 'null', host: 'console.example.com' })).not.toBeNull();
    expect(check('POST', { origin: 'not a url', host: 'console.example.com' })).not.toBeNull();
  });

  it('refuses Sec-Fetch-Site: cross-site even with an acceptable or no Origin', () => {
    expect(check('POST', { origin: consoleOrigin, 'sec-fetch-site': 'cross-site' })).toMatch(/cross-site/);
    expect(check('POST', { 'sec-fetch-site': 'cross-site' })).toMatch(/cross-site/);
    expect(check('POST', { origin: consoleOrigin, 'sec-fetch-site': 'same-origin' })).toBeNull();
  });

  it('lets a request without Origin or Sec-Fetch-Site through (not a browser acting for another site)', () => {
    expect(check('POST', { host: 'console.example.com' })).toBeNull();
  });

  it('trusts X-Forwarded-Host as the own host only when told to', () => {
    const headers = { origin: 'https://public.example', host: 'internal:3000', 'x-forwarded-host': 'public.example' };
    expect(check('POST', headers, false)).not.toBeNull();
    expect(check('POST', headers, true)).toBeNull();
  });
});
