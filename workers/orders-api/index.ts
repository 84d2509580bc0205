// Demo orders API: the "someone else's service" whose events the console watches.
// No authentication — it binds to 127.0.0.1 unless ORDERS_API_HOST says otherwise.
//   npx tsx workers/orders-api/index.ts
import { v7 as uuidv7 } from 'uuid';
import { createDb } from '../../lib/adapters/prisma/client';
import { startTracing } from '../../lib/adapters/otel/tracing';
import { loadEnvOrExit } from '../../lib/config/parse-env';
import { ordersApiEnvSchema } from '../../lib/config/orders-api-env';
import { createOrderOutboxWriter } from '../../lib/demo/orders/outbox';
import { createOrdersHttpHandler } from '../../lib/demo/orders/http-handler';
import { createOrdersServer } from '../../lib/demo/orders/http-server';
import { onShutdown } from '../../lib/adapters/process/on-shutdown';

const env = loadEnvOrExit(ordersApiEnvSchema, 'orders-api');
const tracing = startTracing({ serviceName: 'demo-orders-api', otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT });
// A lost connection is dropped from the pool; requests meanwhile get 503 (http-handler).
const db = createDb(env.DATABASE_URL, { applicationName: 'signalbox-orders-api' });
const onError = (error: unknown) => console.error('orders-api: unexpected error', error);
const handler = createOrdersHttpHandler({ db, outbox: createOrderOutboxWriter(), now: () => new Date(), newId: () => uuidv7(), onError });
const server = createOrdersServer(handler, { onError });

server.listen(env.ORDERS_API_PORT, env.ORDERS_API_HOST, () => {
  const address = server.address();
  const where = typeof address === 'object' && address ? `${address.address}:${address.port}` : String(address);
  console.log(`orders-api listening on http://${where}`);
});

async function shutdown(signal: string): Promise<void> {
  console.log(`orders-api: ${signal}, draining`);
  const force = setTimeout(() => server.closeAllConnections(), env.ORDERS_API_SHUTDOWN_TIMEOUT_MS);
  force.unref();
  // Stops accepting; resolves once in-flight requests have finished.
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await closed;
  clearTimeout(force);
  await db.$disconnect();
  await tracing.shutdown().catch(() => {});
  console.log('orders-api: stopped');
}

onShutdown('orders-api', shutdown);
