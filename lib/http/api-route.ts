// The one wrapper every API route handler goes through: it owns the session
// check, the role check, input parsing, body size limits and error mapping.
// Route files stay thin: name the action, declare the input, call one lib
// function, return. The role comes from the one action table (lib/domain/roles.ts).
import { NextResponse, type NextRequest } from 'next/server';
import type { z } from 'zod';
import { AppError, isAppError } from '../errors';
import { getSessionUser } from '../auth/session';
import { acceptsApiToken, hasRole, roleFor, type Action } from '../domain/roles';
import { bearerTokenOf, verifyApiToken } from '../auth/api-token';
import type { SessionUser } from '../domain/session-user';
import { inputIssues } from '../domain/input-issues';
import { recordAudit } from '../app/record-audit';
import { getConsoleContext, type ConsoleContext } from '../console/context';
import { apiErrorBody } from './api-error';

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

interface RouteSpec<Q extends z.ZodType, B extends z.ZodType> {
  /** What the route does; the least role it needs comes from the action table. */
  action: Action;
  query?: Q;
  body?: B;
  maxBodyBytes?: number;
}

interface HandlerArgs<Q, B> {
  req: NextRequest;
  user: SessionUser;
  ctx: ConsoleContext;
  query: Q;
  body: B;
  params: Record<string, string>;
}

export function errorResponse(error: unknown): NextResponse {
  if (isAppError(error)) {
    return NextResponse.json(apiErrorBody(error.code, error.message, error.details), { status: error.status });
  }
  console.error('Unhandled error in API route', error);
  return NextResponse.json(apiErrorBody('internal', 'Internal error.'), { status: 500 });
}

function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new AppError('bad_request', `Invalid ${what}.`, { details: { issues: inputIssues(parsed.error) } });
  return parsed.data;
}

async function readJsonBody(req: NextRequest, maxBytes: number): Promise<unknown> {
  const type = req.headers.get('content-type') ?? '';
  if (!type.toLowerCase().startsWith('application/json')) {
    throw new AppError('unsupported_media_type', 'Send the body as application/json.');
  }
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (declared > maxBytes) throw new AppError('payload_too_large', `Body is larger than ${maxBytes} bytes.`);
  const text = await req.text();
  if (Buffer.byteLength(text) > maxBytes) throw new AppError('payload_too_large', `Body is larger than ${maxBytes} bytes.`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AppError('bad_request', 'Body is not valid JSON.');
  }
}

/** Signed in and allowed to take `action`; a refusal is audited (nothing else records it). */
async function authorize(req: NextRequest, ctx: ConsoleContext, action: Action): Promise<SessionUser> {
  // A request that sends a bearer token is judged by it alone (never falls back to a cookie);
  // only read actions of the token table accept one (lib/domain/roles.ts, tokenActions).
  const bearer = bearerTokenOf(req.headers);
  if (bearer !== null) {
    if (!acceptsApiToken(action)) throw new AppError('unauthorized', 'This endpoint does not accept API tokens (read endpoints only); sign in instead.');
    const principal = await verifyApiToken(ctx.db, bearer, ctx.now());
    if (!principal) throw new AppError('unauthorized', 'Invalid or revoked API token.');
    return principal;
  }
  const user = await getSessionUser();
  if (!user) throw new AppError('unauthorized', 'Sign in first.');
  const required = roleFor(action);
  if (!hasRole(user.role, required)) {
    await recordAudit(ctx.db, { actor: user, action, outcome: 'denied', details: { path: req.nextUrl.pathname } });
    throw new AppError('forbidden', `This needs the ${required} role; you are ${user.role}.`);
  }
  return user;
}

export function apiRoute<Q extends z.ZodType = z.ZodUndefined, B extends z.ZodType = z.ZodUndefined>(
  spec: RouteSpec<Q, B>,
  handler: (args: HandlerArgs<z.infer<Q>, z.infer<B>>) => Promise<unknown>,
) {
  return async (req: NextRequest, routeContext: { params?: Promise<Record<string, string>> } = {}) => {
    try {
      const ctx = getConsoleContext();
      const user = await authorize(req, ctx, spec.action);
      const rawQuery = Object.fromEntries(req.nextUrl.searchParams.entries());
      const query = spec.query ? parseInput(spec.query, rawQuery, 'query parameters') : undefined;
      const body = spec.body
        ? parseInput(spec.body, await readJsonBody(req, spec.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES), 'request body')
        : undefined;
      const params = (await routeContext.params) ?? {};
      const result = await handler({ req, user, ctx, query: query as z.infer<Q>, body: body as z.infer<B>, params });
      return result instanceof Response ? result : NextResponse.json(result);
    } catch (error) {
      return errorResponse(error);
    }
  };
}
