// The orders API while PostgreSQL is unreachable: a real Prisma client pointed at a
// port where no server listens. The answer is 503 with Retry-After (the client may try
// again), not a 500, and the failure is not reported as an unexpected error.
import { describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { v7 as uuidv7 } from 'uuid';
import { createDb } from '@/lib/adapters/prisma/client';
import { createOrderOutboxWriter } from '@/lib/demo/orders/outbox';
import { createOrdersHttpHandler } from '@/lib/demo/orders/http-handler';

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('orders API: database unreachable', () => {
  it('answers 503 with Retry-After to commands and reads, and reports nothing as unexpected', async () => {
    const db = createDb(`postgresql://postgres@127.0.0.1:${await closedPort()}/signalbox`);
    const unexpected: unknown[] = [];
    const handle = createOrdersHttpHandler({
      db,
      outbox: createOrderOutboxWriter(),
      now: () => new Date(),
      newId: () => uuidv7(),
      onError: (e) => unexpected.push(e),
    });
    try {
      const body = Buffer.from(JSON.stringify({ customerId: 'c-1', amountCents: 1999, currency: 'EUR' }));
      const placed = await handle({ method: 'POST', url: '/orders', headers: { 'content-type': 'application/json' }, body });
      expect(placed.status).toBe(503);
      expect(placed.headers['retry-after']).toBe('1');
      expect(placed.body).toEqual({ error: { code: 'unavailable', message: 'Database unavailable; retry shortly.' } });
      const read = await handle({ method: 'GET', url: `/orders/${uuidv7()}`, headers: {}, body: new Uint8Array() });
      expect(read.status).toBe(503);
      expect(unexpected).toEqual([]);
    } finally {
      await db.$disconnect();
    }
  });
});
