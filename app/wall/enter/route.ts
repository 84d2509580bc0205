// GET /wall?token=<wall token> (proxy.ts rewrites it here) or /wall/enter?token=…: checks
// the token once and trades it for an httpOnly cookie scoped to /wall, then sends the
// browser to a clean /wall, so the token does not stay in the address bar or history.
// A token that is not a valid, unrevoked wall token (a `read` API token included) clears
// the cookie and lands on /wall?refused=1, which says what to do.
import { NextResponse, type NextRequest } from 'next/server';
import { verifyWallToken } from '@/lib/auth/api-token';
import { getConsoleContext } from '@/lib/console/context';
import { servedOverHttps } from '@/lib/http/security-headers';
import { WALL_COOKIE, WALL_COOKIE_MAX_AGE_SECONDS, WALL_PATH, wallThemeOf } from '@/lib/domain/checks/wall';

export const dynamic = 'force-dynamic';

export async function GET(req: NextRequest) {
  const ctx = getConsoleContext();
  const token = req.nextUrl.searchParams.get('token') ?? '';
  const wall = token ? await verifyWallToken(ctx.db, token, ctx.now()) : null;
  const query = new URLSearchParams();
  if (wallThemeOf(req.nextUrl.searchParams.get('theme')) === 'light') query.set('theme', 'light');
  if (!wall) query.set('refused', '1');
  // A relative Location: the browser stays on the host it used, which holds the cookie.
  const location = query.size ? `${WALL_PATH}?${query}` : WALL_PATH;
  const res = new NextResponse(null, { status: 303, headers: { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' } });
  if (wall) {
    const https = servedOverHttps({ consoleUrl: ctx.env.NEXTAUTH_URL, protocol: req.nextUrl.protocol, headers: req.headers, trustProxyHeaders: ctx.env.TRUST_PROXY_HEADERS });
    res.cookies.set(WALL_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure: https, path: WALL_PATH, maxAge: WALL_COOKIE_MAX_AGE_SECONDS });
  } else {
    res.cookies.set(WALL_COOKIE, '', { httpOnly: true, sameSite: 'strict', path: WALL_PATH, maxAge: 0 });
  }
  return res;
}
