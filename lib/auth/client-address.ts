/**
 * The client's address for throttling: the first X-Forwarded-For hop, else X-Real-IP,
 * else "unknown". Returns null when proxy headers are not trusted: the address is then
 * unknowable here, and only the per-e-mail throttle applies.
 */
export function clientAddressFrom(headers: Headers | Record<string, string | string[] | undefined>, trustProxyHeaders = true): string | null {
  if (!trustProxyHeaders) return null;
  const get = (name: string): string | undefined => {
    if (headers instanceof Headers) return headers.get(name) ?? undefined;
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const forwarded = get('x-forwarded-for')?.split(',')[0]?.trim();
  const address = forwarded || get('x-real-ip')?.trim() || 'unknown';
  return address.slice(0, 64);
}
