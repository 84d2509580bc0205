// One check, in proxy.ts, for every state-changing request to the console, API
// routes and next-auth's own endpoints alike: a browser tells us where a request
// comes from (Origin, Sec-Fetch-Site), and a change that another site started is
// refused before any route runs. Pure, so it is tested without a server.

/** Methods that must not change anything; everything else is checked. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface OriginCheckInput {
  method: string;
  headers: Headers;
  /** The console's public origin (NEXTAUTH_URL's origin). */
  consoleOrigin: string;
  /** Honour X-Forwarded-Host as the request's own host (only behind a trusted proxy). */
  trustProxyHeaders: boolean;
}

function ownHost(headers: Headers, trustProxyHeaders: boolean): string | null {
  const forwarded = trustProxyHeaders ? headers.get('x-forwarded-host')?.split(',')[0]?.trim() : undefined;
  return (forwarded || headers.get('host') || '').toLowerCase() || null;
}

function originOf(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/** Why the request is refused, or null when it may go on. */
export function crossOriginRefusal(input: OriginCheckInput): string | null {
  if (SAFE_METHODS.has(input.method.toUpperCase())) return null;
  if (input.headers.get('sec-fetch-site')?.toLowerCase() === 'cross-site') return 'Sec-Fetch-Site is cross-site';
  const origin = input.headers.get('origin');
  // No Origin: not a browser's cross-site request (browsers send it with every
  // non-GET fetch and form post), e.g. curl or a server-side client.
  if (origin === null) return null;
  const parsed = originOf(origin);
  if (!parsed || parsed.origin === 'null') return `Origin ${origin.slice(0, 100)} is not the console's`;
  if (parsed.origin === new URL(input.consoleOrigin).origin) return null;
  const host = ownHost(input.headers, input.trustProxyHeaders);
  if (host && parsed.host.toLowerCase() === host) return null;
  return `Origin ${parsed.origin} is not the console's`;
}
