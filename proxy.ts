// Runs before every route (pages, API routes, next-auth's endpoints), in this order:
// 1. A state-changing request another site started is refused (403), one check
//    for all routes (lib/http/cross-origin.ts).
// 2. Deny by default: every page and API route needs a session, except sign-in,
//    next-auth's own endpoints, the health check and the wall view (its own token). Pages redirect to sign-in;
//    API routes answer 401. Route handlers and pages check again on the server
//    (and re-read the user's role), so this is the first of two locks.
// 3. Each response gets a Content-Security-Policy with a fresh script nonce, which
//    the root layout reads from the request header NONCE_HEADER; HSTS over https.
import { NextResponse, type NextRequest } from 'next/server';
import { getToken } from 'next-auth/jwt';
import { authSecret, getConsoleEnv } from './lib/console/env';
import type { ConsoleEnv } from './lib/config/schemas';
import { crossOriginRefusal } from './lib/http/cross-origin';
import { apiErrorBody } from './lib/http/api-error';
import { HSTS_VALUE, NONCE_HEADER, contentSecurityPolicy, newNonce, servedOverHttps } from './lib/http/security-headers';

const PUBLIC_PATHS = [/^\/signin$/, /^\/api\/auth\//, /^\/api\/health$/];
// API paths that accept `Authorization: Bearer <API token>` instead of a session: let
// such requests through here; the route itself verifies the token (lib/http/api-route.ts).
const TOKEN_PATHS = [/^\/api\/consumers(\/[^/]+)?$/, /^\/api\/metrics$/];
// The wall view (app/wall): no session; its page and data route check the wall token in
// their own cookie. /wall?token=… is handled by /wall/enter, which trades the token for
// that cookie and redirects to a clean /wall.
const WALL_PATHS = /^\/wall(\/(enter|data))?$/;

/** Where the request goes: refused, to sign-in, or on (with `forwarded` as its request headers). */
async function route(req: NextRequest, env: ConsoleEnv, forwarded: Headers): Promise<NextResponse> {
  const refusal = crossOriginRefusal({ method: req.method, headers: req.headers, consoleOrigin: env.NEXTAUTH_URL, trustProxyHeaders: env.TRUST_PROXY_HEADERS });
  if (refusal) return NextResponse.json(apiErrorBody('forbidden', `Cross-site request refused: ${refusal}.`), { status: 403 });

  const next = () => NextResponse.next({ request: { headers: forwarded } });
  const { pathname, search } = req.nextUrl;
  if (PUBLIC_PATHS.some((p) => p.test(pathname))) return next();
  if (WALL_PATHS.test(pathname)) {
    if (pathname === '/wall' && req.nextUrl.searchParams.has('token')) return NextResponse.rewrite(new URL(`/wall/enter${search}`, req.url), { request: { headers: forwarded } });
    return next();
  }
  if (req.method === 'GET' && /^Bearer\s/i.test(req.headers.get('authorization') ?? '') && TOKEN_PATHS.some((p) => p.test(pathname))) return next();
  const token = await getToken({ req, secret: authSecret(env) });
  if (token?.sub) return next();
  if (pathname.startsWith('/api/')) return NextResponse.json(apiErrorBody('unauthorized', 'Sign in first.'), { status: 401 });
  const signIn = new URL('/signin', req.url);
  signIn.searchParams.set('callbackUrl', `${pathname}${search}`);
  return NextResponse.redirect(signIn);
}

export async function proxy(req: NextRequest) {
  const env = getConsoleEnv();
  const https = servedOverHttps({ consoleUrl: env.NEXTAUTH_URL, protocol: req.nextUrl.protocol, headers: req.headers, trustProxyHeaders: env.TRUST_PROXY_HEADERS });
  const nonce = newNonce();
  const csp = contentSecurityPolicy(nonce, { development: env.NODE_ENV === 'development', https });
  // Next takes the nonce for its own scripts from the request's CSP header; the
  // root layout takes it from NONCE_HEADER for the theme script.
  const forwarded = new Headers(req.headers);
  forwarded.set(NONCE_HEADER, nonce);
  forwarded.set('content-security-policy', csp);
  const res = await route(req, env, forwarded);
  res.headers.set('content-security-policy', csp);
  if (https) res.headers.set('strict-transport-security', HSTS_VALUE);
  return res;
}

export const config = {
  // Everything but Next's static assets.
  matcher: ['/((?!_next/static|_next/image|favicon.ico).*)'],
};
