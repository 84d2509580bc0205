// Puts the orders HTTP handler on a node:http server: reads at most
// maxBodyBytes of a body (refusing larger ones without buffering them), runs
// the handler inside a SERVER span continuing the caller's traceparent, writes JSON.
import http from 'node:http';
import { AppError } from '../../errors';
import { contextFromTraceparent, inSpan, SpanKind } from '../../adapters/otel/tracing';
import { parseTraceparent } from '../../domain/events/trace-context';
import { errorResponse, MAX_BODY_BYTES, type OrdersHttpHandler, type OrdersHttpResponse } from './http-handler';

export interface OrdersServerOptions {
  maxBodyBytes?: number;
  onError?: (error: unknown) => void;
}

type BodyResult = { ok: true; body: Buffer } | { ok: false };

function readBody(req: http.IncomingMessage, maxBytes: number): Promise<BodyResult> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.byteLength;
      if (size > maxBytes) {
        done = true;
        req.pause();
        resolve({ ok: false });
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!done) resolve({ ok: true, body: Buffer.concat(chunks) });
      done = true;
    });
    req.on('error', (error) => {
      if (!done) reject(error);
      done = true;
    });
  });
}

function write(res: http.ServerResponse, response: OrdersHttpResponse, close = false): void {
  const payload = Buffer.from(JSON.stringify(response.body));
  res.writeHead(response.status, { ...response.headers, 'content-length': String(payload.byteLength), ...(close ? { connection: 'close' } : {}) });
  res.end(payload);
}

export function createOrdersServer(handle: OrdersHttpHandler, options: OrdersServerOptions = {}): http.Server {
  const maxBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const tooLarge = () => errorResponse(new AppError('payload_too_large', `Body is larger than ${maxBytes} bytes.`));

  async function serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // Refuse by the declared length before reading anything; close so the rest is never read.
    if (Number(req.headers['content-length'] ?? 0) > maxBytes) return write(res, tooLarge(), true);
    const body = await readBody(req, maxBytes);
    if (!body.ok) return write(res, tooLarge(), true);
    const traceparent = parseTraceparent(req.headers.traceparent) ? (req.headers.traceparent as string) : undefined;
    const response = await inSpan(
      `orders-api ${req.method ?? ''}`,
      { kind: SpanKind.SERVER, parent: contextFromTraceparent(traceparent), attributes: { 'http.request.method': req.method ?? '' } },
      async (span) => {
        const r = await handle({ method: req.method ?? '', url: req.url ?? '/', headers: req.headers, body: body.body });
        span.setAttribute('http.response.status_code', r.status);
        return r;
      },
    );
    write(res, response);
  }

  const server = http.createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      if (!res.headersSent) write(res, errorResponse(error, options.onError), true);
      else res.destroy();
    });
  });
  // Slow or stuck clients cannot hold connections for long.
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  server.keepAliveTimeout = 5_000;
  return server;
}
