// The demo orders API as a function of (method, url, headers, body) → response,
// so it is tested without a socket (http-server.ts puts it on one). It parses,
// calls one lib function, and maps errors: AppErrors by their code's status,
// anything else a plain 500 that says nothing about the cause.
import type { Db } from '../../adapters/prisma/client';
import { isDatabaseUnavailable } from '../../adapters/prisma/connection-errors';
import { parseTraceparent, formatTraceparent } from '../../domain/events/trace-context';
import { AppError, isAppError } from '../../errors';
import { executeOrderCommand, type CommandDeps, type ExecuteResult } from './commands';
import type { OrderCommandInput } from './command-schemas';
import { getOrder } from './get-order';
import { IDEMPOTENCY_KEY } from './idempotency';

export const MAX_BODY_BYTES = 16 * 1024;
const MAX_URL_LENGTH = 2048;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface OrdersHttpRequest {
  method: string;
  /** The request target as received, e.g. "/orders/…/cancel?x=1". */
  url: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Uint8Array;
}

export interface OrdersHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export interface OrdersHttpDeps extends CommandDeps {
  db: Db;
  maxBodyBytes?: number;
  /** Unexpected errors go here (never to the client). */
  onError?: (error: unknown) => void;
}

type Action = 'authorize-payment' | 'dispatch' | 'deliver' | 'cancel';
const actions: Record<Action, OrderCommandInput['kind']> = {
  'authorize-payment': 'AuthorizePayment',
  dispatch: 'DispatchShipment',
  deliver: 'DeliverShipment',
  cancel: 'CancelOrder',
};

type Route =
  | { name: 'health' }
  | { name: 'place' }
  | { name: 'get'; orderId: string }
  | { name: 'action'; orderId: string; action: Action };

/** Exact-match routing on the raw path: nothing is decoded or normalised, so "..", "%2F" and friends simply match nothing. */
function route(method: string, path: string): Route | null {
  if (method === 'GET' && path === '/health') return { name: 'health' };
  if (method === 'POST' && path === '/orders') return { name: 'place' };
  const parts = path.split('/');
  if (parts.length < 3 || parts.length > 4 || parts[0] !== '' || parts[1] !== 'orders' || !parts[2]) return null;
  const orderId = parts[2];
  if (parts.length === 3) return method === 'GET' ? { name: 'get', orderId } : null;
  const action = parts[3] as Action;
  return method === 'POST' && Object.hasOwn(actions, action) ? { name: 'action', orderId, action } : null;
}

const jsonHeaders = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

function respond(status: number, body: unknown, extra: Record<string, string> = {}): OrdersHttpResponse {
  return { status, headers: { ...jsonHeaders, ...extra }, body };
}

export function errorResponse(error: unknown, onError?: (error: unknown) => void): OrdersHttpResponse {
  if (isAppError(error)) {
    const body = { error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } };
    return respond(error.status, body, error.retryable ? { 'retry-after': '1' } : {});
  }
  // The database down or restarting is not the request's fault: try again shortly.
  if (isDatabaseUnavailable(error)) return respond(503, { error: { code: 'unavailable', message: 'Database unavailable; retry shortly.' } }, { 'retry-after': '1' });
  onError?.(error);
  return respond(500, { error: { code: 'internal', message: 'Internal error.' } });
}

function header(headers: OrdersHttpRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  if (Array.isArray(value)) throw new AppError('bad_request', `Send the ${name} header once.`);
  return value;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseJsonObject(req: OrdersHttpRequest, maxBytes: number): Record<string, unknown> {
  if (req.body.byteLength > maxBytes) throw new AppError('payload_too_large', `Body is larger than ${maxBytes} bytes.`);
  if (req.body.byteLength === 0) return {};
  const type = (header(req.headers, 'content-type') ?? '').toLowerCase();
  const [media, ...params] = type.split(';').map((p) => p.trim());
  const charset = params.find((p) => p.startsWith('charset='));
  if (media !== 'application/json' || (charset && charset !== 'charset=utf-8')) {
    throw new AppError('unsupported_media_type', 'Send the body as application/json (UTF-8).');
  }
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(req.body));
  } catch {
    throw new AppError('bad_request', 'Body is not valid JSON.');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new AppError('bad_request', 'Body must be a JSON object.');
  return value as Record<string, unknown>;
}

function idempotencyKeyOf(req: OrdersHttpRequest): string | undefined {
  const key = header(req.headers, 'idempotency-key');
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(key)) throw new AppError('bad_request', 'Idempotency-Key must be 1-200 printable ASCII characters.');
  return key;
}

function orderIdOf(raw: string): string {
  if (!UUID.test(raw)) throw new AppError('bad_request', 'The order id in the path must be a UUID.');
  return raw.toLowerCase();
}

function commandResponse(status: number, result: ExecuteResult): OrdersHttpResponse {
  const { replayed, ...body } = result;
  return respond(status, body, { location: `/orders/${result.orderId}`, ...(replayed ? { 'idempotent-replayed': 'true' } : {}) });
}

export function createOrdersHttpHandler(deps: OrdersHttpDeps) {
  const maxBytes = deps.maxBodyBytes ?? MAX_BODY_BYTES;

  async function dispatch(req: OrdersHttpRequest): Promise<OrdersHttpResponse> {
    if (req.url.length > MAX_URL_LENGTH) throw new AppError('not_found', 'No such route.');
    const path = req.url.split('?', 1)[0]!;
    const r = route(req.method.toUpperCase(), path);
    if (!r) throw new AppError('not_found', 'No such route.');
    if (r.name === 'health') {
      await deps.db.$queryRaw`SELECT 1`.catch((cause: unknown) => {
        throw new AppError('unavailable', 'Database unreachable.', { cause });
      });
      return respond(200, { status: 'ok' });
    }
    if (r.name === 'get') {
      const order = await getOrder(deps.db, orderIdOf(r.orderId));
      if (!order) throw new AppError('not_found', 'Order not found.');
      return respond(200, order);
    }
    const orderId = r.name === 'action' ? orderIdOf(r.orderId) : undefined;
    const body = parseJsonObject(req, maxBytes);
    const idempotencyKey = idempotencyKeyOf(req);
    const trace = parseTraceparent(header(req.headers, 'traceparent'));
    const options = { idempotencyKey, traceparent: trace ? formatTraceparent(trace) : undefined };
    if (r.name === 'place') {
      // The path decides the command: a "kind" or "channel" in the body cannot override it.
      const input = { ...body, kind: 'PlaceOrder', channel: 'api' } as OrderCommandInput;
      return commandResponse(201, await executeOrderCommand(deps, input, options));
    }
    const input = { ...body, kind: actions[r.action], orderId } as OrderCommandInput;
    return commandResponse(200, await executeOrderCommand(deps, input, options));
  }

  return async function handle(req: OrdersHttpRequest): Promise<OrdersHttpResponse> {
    try {
      return await dispatch(req);
    } catch (error) {
      return errorResponse(error, deps.onError);
    }
  };
}

export type OrdersHttpHandler = ReturnType<typeof createOrdersHttpHandler>;
