// Deny by default: every page and API route needs a session, except sign-in,
// next-auth's own endpoints and the health check. Pages redirect to sign-in;
// API routes answer 401. Route handlers and pages check again on the server
// (and re-read the user's role), so this is the first of two locks.
import { NextResponse, type NextRequest } from 'next/server';
import { getToken } from 'next-auth/jwt';
import { authSecret } from './lib/console/context';

const PUBLIC_PATHS = [/^\/signin$/, /^\/api\/auth\//, /^\/api\/health$/];

export async function proxy(req: NextRequest) {
  const { pathname, search } = req.nextUrl;
  if (PUBLIC_PATHS.some((p) => p.test(pathname))) return NextResponse.next();
  const token = await getToken({ req, secret: authSecret() });
  if (token?.sub) return NextResponse.next();
  if (pathname.startsWith('/api/')) {
    return NextResponse.json({ error: { code: 'unauthorized', message: 'Sign in first.' } }, { status: 401 });
  }
  const signIn = new URL('/signin', req.url);
  signIn.searchParams.set('callbackUrl', `${pathname}${search}`);
  return NextResponse.redirect(signIn);
}

export const config = {
  // Everything but Next's static assets.
  matcher: ['/((?!_next/static|_next/image|favicon.ico).*)'],
};
