// The one wrapper every API route handler goes through: it owns the session
// check, the role check, input parsing, body size limits and error mapping.
// Route files stay thin: declare the contract, call one lib function, return.
import { NextResponse, type NextRequest } from 'next/server';
import { z } from 'zod';
import { AppError, isAppError } from '../errors';
import { getSessionUser } from '../auth/session';
import { hasRole, type Role } from '../domain/roles';
import type { SessionUser } from '../auth/session-user';
import { recordAudit } from '../app/record-audit';
import { getConsoleContext, type ConsoleContext } from '../console/context';

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

interface RouteSpec<Q extends z.ZodType, B extends z.ZodType> {
  role?: Role;
  /** Audit-log name for denied attempts on destructive routes. */
  action?: string;
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
    return NextResponse.json(
      { error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } },
      { status: error.status },
    );
  }
  console.error('Unhandled error in API route', error);
  return NextResponse.json({ error: { code: 'internal', message: 'Internal error.' } }, { status: 500 });
}

function issuesOf(error: z.ZodError): Array<{ path: string; message: string }> {
  return error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
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

export function apiRoute<Q extends z.ZodType = z.ZodUndefined, B extends z.ZodType = z.ZodUndefined>(
  spec: RouteSpec<Q, B>,
  handler: (args: HandlerArgs<z.infer<Q>, z.infer<B>>) => Promise<unknown>,
) {
  return async (req: NextRequest, routeContext: { params?: Promise<Record<string, string>> } = {}) => {
    try {
      const user = await getSessionUser();
      if (!user) throw new AppError('unauthorized', 'Sign in first.');
      const ctx = getConsoleContext();
      if (spec.role && !hasRole(user.role, spec.role)) {
        if (spec.action) {
          await recordAudit(ctx.db, { actor: user, action: spec.action, outcome: 'denied', details: { path: req.nextUrl.pathname } });
        }
        throw new AppError('forbidden', `This needs the ${spec.role} role; you are ${user.role}.`);
      }
      const rawQuery = Object.fromEntries(req.nextUrl.searchParams.entries());
      const query = spec.query ? spec.query.safeParse(rawQuery) : { success: true as const, data: undefined };
      if (!query.success) throw new AppError('bad_request', 'Invalid query parameters.', { details: { issues: issuesOf(query.error) } });
      let body: unknown = undefined;
      if (spec.body) {
        const parsed = spec.body.safeParse(await readJsonBody(req, spec.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES));
        if (!parsed.success) throw new AppError('bad_request', 'Invalid request body.', { details: { issues: issuesOf(parsed.error) } });
        body = parsed.data;
      }
      const params = (await routeContext.params) ?? {};
      const result = await handler({ req, user, ctx, query: query.data as z.infer<Q>, body: body as z.infer<B>, params });
      return result instanceof Response ? result : NextResponse.json(result);
    } catch (error) {
      return errorResponse(error);
    }
  };
}
