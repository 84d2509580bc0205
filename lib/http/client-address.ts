/** The client's address for throttling: the first X-Forwarded-For hop, else X-Real-IP, else "unknown". */
export function clientAddressFrom(headers: Headers | Record<string, string | string[] | undefined>): string {
  const get = (name: string): string | undefined => {
    if (headers instanceof Headers) return headers.get(name) ?? undefined;
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const forwarded = get('x-forwarded-for')?.split(',')[0]?.trim();
  const address = forwarded || get('x-real-ip')?.trim() || 'unknown';
  return address.slice(0, 64);
}
