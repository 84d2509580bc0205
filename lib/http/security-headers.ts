// Response headers that depend on the request: the Content-Security-Policy with
// this response's script nonce, and HSTS when the console is served over https.
// The fixed ones (nosniff, Referrer-Policy, Permissions-Policy, framing) are in
// next.config.js so static files get them too. See docs/security.md.
/** Request header through which proxy.ts hands the nonce to the root layout. */
export const NONCE_HEADER = 'x-nonce';

/** 128 random bits, base64 (Web Crypto, so it works in any runtime the proxy runs in). */
export function newNonce(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
}

export function contentSecurityPolicy(nonce: string, options: { development: boolean; https: boolean }): string {
  const directives = [
    "default-src 'self'",
    // 'strict-dynamic': scripts the nonced ones load (Next's chunks) may run, nothing
    // else. React needs eval only in development (error stacks); never in production.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${options.development ? " 'unsafe-eval'" : ''}`,
    // Inline style attributes (React's style={…}, the charts) need 'unsafe-inline';
    // styles cannot run code, scripts are what the nonce guards.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self'${options.development ? ' ws: wss:' : ''}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(options.https ? ['upgrade-insecure-requests'] : []),
  ];
  return directives.join('; ');
}

export const HSTS_VALUE = 'max-age=63072000; includeSubDomains';

/** Whether the console is served over https: its public URL says so, or this request came in over it. */
export function servedOverHttps(input: { consoleUrl: string; protocol: string; headers: Headers; trustProxyHeaders: boolean }): boolean {
  if (input.consoleUrl.startsWith('https:') || input.protocol === 'https:') return true;
  return input.trustProxyHeaders && input.headers.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase() === 'https';
}
