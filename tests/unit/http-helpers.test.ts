import { describe, expect, it } from 'vitest';
import { safeCallbackPath } from '@/lib/http/safe-callback';
import { clientAddressFrom } from '@/lib/auth/client-address';

describe('safeCallbackPath', () => {
  it('keeps same-site paths with their query', () => {
    expect(safeCallbackPath('/dlq?status=open')).toBe('/dlq?status=open');
  });
  it.each(['https://evil.example/', '//evil.example', '/\\evil.example', 'javascript:alert(1)', '/ok\n', 42, undefined, '/'.repeat(3000)])(
    'turns %j into /',
    (value) => {
      expect(safeCallbackPath(value)).toBe('/');
    },
  );
});

describe('clientAddressFrom', () => {
  it('takes the first forwarded hop', () => {
    expect(clientAddressFrom(new Headers({ 'x-forwarded-for': '10.0.0.1, 10.0.0.2' }))).toBe('10.0.0.1');
  });
  it('ignores proxy headers unless told to trust them', () => {
    expect(clientAddressFrom(new Headers({ 'x-forwarded-for': '10.0.0.1' }), false)).toBeNull();
  });
  it('falls back to x-real-ip then unknown, and bounds the length', () => {
    expect(clientAddressFrom({ 'x-real-ip': '192.0.2.4' })).toBe('192.0.2.4');
    expect(clientAddressFrom({})).toBe('unknown');
    expect(clientAddressFrom({ 'x-forwarded-for': 'a'.repeat(500) })).toHaveLength(64);
  });
});
